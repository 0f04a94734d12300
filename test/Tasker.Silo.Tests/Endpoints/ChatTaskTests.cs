using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tasker.Handlers;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

/// <summary>
/// The <c>chat</c> and <c>conversation</c> types over HTTP, against <see cref="FakeChatServer"/> on loopback: answers,
/// refusals, timeouts, retries, the transcript, pause/resume/cancel, and the key kept out of every view.
/// </summary>
[Collection(ChatCollection.Name)]
public sealed class ChatTaskTests(ChatApiFixture api)
{
    private const string Key = FakeChatServer.ValidKey;

    private readonly HttpClient _http = api.CreateClient();

    private FakeChatServer Fake => api.Fake;

    [Fact]
    public async Task Chat_succeeds_with_the_model_answer_to_the_question()
    {
        var id = await _http.SubmitAsync("chat", Chat("What is the tallest mountain?"), ApiTestExtensions.UniqueClient("chat"));

        var task = await _http.WaitForStatusAsync(id, "succeeded");

        Assert.Equal(FakeChatServer.Reply("What is the tallest mountain?"), task.GetProperty("result").GetProperty("answer").GetString());
        Assert.Equal(1, task.Done());
        Assert.Equal(1, task.GetProperty("progress").GetProperty("total").GetInt64());
        Assert.Equal(ChatApiFixture.Model, Fake.LastModel);
        Assert.False(task.GetProperty("cached").GetBoolean());
    }

    [Fact]
    public async Task Chat_with_a_key_the_endpoint_refuses_fails_with_invalid_API_key_without_retrying()
    {
        const string wrongKey = "sk-wrong-key-9876543210";
        var before = Fake.Requests;

        var id = await _http.SubmitAsync("chat", $$"""{"question":"hello","api_key":"{{wrongKey}}"}""", ApiTestExtensions.UniqueClient("badkey"));
        var task = await _http.WaitForStatusAsync(id, "failed");

        Assert.Equal("invalid API key", task.GetProperty("error").GetString());
        Assert.Equal(before + 1, Fake.Requests);
        Assert.DoesNotContain("9876", task.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_whose_first_attempt_fails_every_call_succeeds_on_its_second_attempt()
    {
        Fake.FailNext(ChatApiFixture.MaxRetries + 1); // Every call of the first attempt, its own retries included.
        var submitted = await _http.PostTextAsync("/tasks", $$$"""
            {"type":"chat","params":{{{Chat("second time lucky?")}}},"client":"{{{ApiTestExtensions.UniqueClient("retry-chat")}}}",
             "retry":{"max_attempts":3,"initial_delay":0.1,"jitter":0}}
            """);
        Assert.Equal(HttpStatusCode.Accepted, submitted.Status);

        var task = await _http.WaitForStatusAsync(submitted.Body.GetProperty("id").GetString()!, "succeeded");

        Assert.Equal(2, task.GetProperty("attempt").GetInt32());
        Assert.Equal(3, task.GetProperty("maxAttempts").GetInt32());
        Assert.Equal(1, Assert.Single(task.GetProperty("failedAttempts").EnumerateArray()).GetProperty("attempt").GetInt32());
        Assert.Equal(FakeChatServer.Reply("second time lucky?"), task.GetProperty("result").GetProperty("answer").GetString());
    }

    [Fact]
    public async Task Chat_with_a_key_the_endpoint_refuses_is_not_retried_even_when_its_policy_allows()
    {
        var before = Fake.Requests;
        var submitted = await _http.PostTextAsync("/tasks", $$$"""
            {"type":"chat","params":{"question":"hello","api_key":"sk-wrong-key-1111111111"},"client":"{{{ApiTestExtensions.UniqueClient("retry-badkey")}}}",
             "retry":{"max_attempts":3,"initial_delay":0.1}}
            """);

        var task = await _http.WaitForStatusAsync(submitted.Body.GetProperty("id").GetString()!, "failed");

        Assert.Equal("invalid-api-key", task.GetProperty("errorCode").GetString());
        Assert.Equal(1, task.GetProperty("attempt").GetInt32());
        await Task.Delay(500);
        Assert.Equal(before + 1, Fake.Requests);
    }

    [Fact]
    public async Task Chat_that_outlasts_the_time_limit_fails_with_a_timeout_reason()
    {
        Fake.Delay = TimeSpan.FromSeconds(30);
        try
        {
            var id = await _http.SubmitAsync("chat", Chat("slow?"), ApiTestExtensions.UniqueClient("timeout"));

            var task = await _http.WaitForStatusAsync(id, "failed", within: TimeSpan.FromSeconds(30));

            Assert.Matches(@"^the chat endpoint timed out after \d+(\.\d+)? s$", task.GetProperty("error").GetString());
        }
        finally
        {
            Fake.Delay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task Chat_retries_transient_500s_and_succeeds()
    {
        var before = Fake.Requests;
        Fake.FailNext(2);

        var id = await _http.SubmitAsync("chat", Chat("try again"), ApiTestExtensions.UniqueClient("retry"));
        var task = await _http.WaitForStatusAsync(id, "succeeded");

        Assert.Equal(FakeChatServer.Reply("try again"), task.GetProperty("result").GetProperty("answer").GetString());
        Assert.Equal(before + 3, Fake.Requests);
    }

    [Fact]
    public async Task Chat_fails_with_the_status_when_500s_outlast_the_retries()
    {
        Fake.FailNext(100);
        try
        {
            var id = await _http.SubmitAsync("chat", Chat("broken"), ApiTestExtensions.UniqueClient("500"));

            var task = await _http.WaitForStatusAsync(id, "failed");

            var error = task.GetProperty("error").GetString()!;
            Assert.StartsWith("the chat endpoint answered 500", error, StringComparison.Ordinal);
            Assert.Contains($"after {ChatApiFixture.MaxRetries + 1} attempts", error, StringComparison.Ordinal);
        }
        finally
        {
            Fake.FailNext(0);
        }
    }

    [Fact]
    public async Task Conversation_of_three_turns_builds_each_turn_on_the_last()
    {
        var id = await _http.SubmitAsync("conversation", Conversation("tides", 3), ApiTestExtensions.UniqueClient("conversation"));

        var task = await _http.WaitForStatusAsync(id, "succeeded");

        var result = task.GetProperty("result");
        Assert.Equal("tides", result.GetProperty("topic").GetString());
        AssertChain(result, "tides", 3);
        Assert.Equal(3, task.Done());
        Assert.Equal(3, task.GetProperty("progress").GetProperty("total").GetInt64());
        Assert.Equal(100, task.GetProperty("progress").GetProperty("percent").GetDouble());
    }

    [Fact]
    public async Task Conversation_paused_holds_its_turns_and_resumed_goes_on_from_its_transcript()
    {
        Fake.Delay = TimeSpan.FromMilliseconds(250);
        string? id = null;
        try
        {
            id = await _http.SubmitAsync("conversation", Conversation("volcanoes", 6), ApiTestExtensions.UniqueClient("pause-chat"));
            await _http.WaitForAsync(id, t => t.Done() >= 1);

            var paused = await _http.CommandAsync(id, "pause");
            Assert.Equal(HttpStatusCode.OK, paused.Status);
            Assert.Equal("paused", paused.Body.Status());
            var requestsWhenPaused = Fake.Requests;
            await Task.Delay(800);
            var (_, held) = await _http.GetJsonAsync($"/tasks/{id}");
            Assert.Equal("paused", held.Status());
            Assert.Equal(paused.Body.Done(), held.Done());
            Assert.Equal(requestsWhenPaused, Fake.Requests);

            var resumed = await _http.CommandAsync(id, "resume");
            Assert.Equal(HttpStatusCode.OK, resumed.Status);
            var task = await _http.WaitForStatusAsync(id, "succeeded");

            // One opening and an unbroken chain: the resumed run went on from the stored turns, not from the start.
            AssertChain(task.GetProperty("result"), "volcanoes", 6);
        }
        finally
        {
            Fake.Delay = TimeSpan.Zero;
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Chat_paused_while_its_call_is_in_flight_answers_at_once_and_resumed_asks_again()
    {
        // Each attempt outlasts its 1.5 s limit and the task's calls give up after 4 s: a pause that waited for the call
        // would answer seconds later.
        Fake.Delay = TimeSpan.FromSeconds(30);
        string? id = null;
        try
        {
            var before = Fake.Requests;
            id = await _http.SubmitAsync("chat", Chat("What is slow?"), ApiTestExtensions.UniqueClient("interrupt"));
            await UntilAsync(() => Fake.Requests > before, "the chat call never reached the endpoint");

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var paused = await _http.CommandAsync(id, "pause");
            var took = clock.Elapsed;

            Assert.Equal(HttpStatusCode.OK, paused.Status);
            Assert.Equal("paused", paused.Body.Status());
            Assert.True(took < TimeSpan.FromSeconds(2), $"the pause waited {took.TotalSeconds:F1} s for the call in flight");
            Fake.Delay = TimeSpan.Zero;
            await Task.Delay(500);
            var (_, held) = await _http.GetJsonAsync($"/tasks/{id}");
            Assert.Equal("paused", held.Status());

            Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "resume")).Status);
            var task = await _http.WaitForStatusAsync(id, "succeeded");
            Assert.Equal(FakeChatServer.Reply("What is slow?"), task.GetProperty("result").GetProperty("answer").GetString());
        }
        finally
        {
            Fake.Delay = TimeSpan.Zero;
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Chat_cancelled_while_its_call_is_in_flight_answers_at_once()
    {
        Fake.Delay = TimeSpan.FromSeconds(30);
        try
        {
            var before = Fake.Requests;
            var id = await _http.SubmitAsync("chat", Chat("Will this end?"), ApiTestExtensions.UniqueClient("interrupt"));
            await UntilAsync(() => Fake.Requests > before, "the chat call never reached the endpoint");

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var cancelled = await _http.CommandAsync(id, "cancel");
            var took = clock.Elapsed;

            Assert.Equal(HttpStatusCode.OK, cancelled.Status);
            Assert.Equal("cancelled", cancelled.Body.Status());
            Assert.True(took < TimeSpan.FromSeconds(2), $"the cancel waited {took.TotalSeconds:F1} s for the call in flight");
        }
        finally
        {
            Fake.Delay = TimeSpan.Zero;
        }
    }

    private static async Task UntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Conversation_cancelled_while_running_stops_calling_the_model()
    {
        Fake.Delay = TimeSpan.FromMilliseconds(250);
        string? id = null;
        try
        {
            id = await _http.SubmitAsync("conversation", Conversation("glaciers", 50), ApiTestExtensions.UniqueClient("cancel-chat"));
            await _http.WaitForAsync(id, t => t.Done() >= 1);

            var cancelled = await _http.CommandAsync(id, "cancel");
            Assert.Equal(HttpStatusCode.OK, cancelled.Status);
            Assert.Equal("cancelled", cancelled.Body.Status());
            var requestsWhenCancelled = Fake.Requests;
            await Task.Delay(800);
            // The call in flight at the cancel (aborted by it) may reach the model's server after the cancel's answer
            // on a loaded machine; after that, nothing: a conversation that went on would call about three times a second.
            var settled = Fake.Requests;
            Assert.InRange(settled - requestsWhenCancelled, 0, 1);
            await Task.Delay(800);
            var (_, later) = await _http.GetJsonAsync($"/tasks/{id}");

            Assert.Equal("cancelled", later.Status());
            Assert.Equal(cancelled.Body.Done(), later.Done());
            Assert.Equal(settled, Fake.Requests);
            Assert.True(later.Done() < 50);
        }
        finally
        {
            Fake.Delay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task Api_key_never_appears_in_what_the_API_shows()
    {
        var client = ApiTestExtensions.UniqueClient("secret");
        var submitted = await _http.PostTaskAsync("conversation", Conversation("owls", 2), client);
        Assert.Equal(HttpStatusCode.Accepted, submitted.Status);
        var id = submitted.Body.GetProperty("id").GetString()!;
        await _http.WaitForStatusAsync(id, "succeeded");

        var shown = new[]
        {
            submitted.Body.GetRawText(),
            await _http.GetStringAsync($"/tasks/{id}"),
            await _http.GetStringAsync($"/tasks/{id}/status"),
            await _http.GetStringAsync($"/tasks/{id}/result"),
            await _http.GetStringAsync($"/tasks?client={client}"),
            await _http.GetStringAsync($"/clients/{client}/tasks"),
        };

        Assert.All(shown, text => Assert.DoesNotContain(Key, text, StringComparison.Ordinal));
        var (_, task) = await _http.GetJsonAsync($"/tasks/{id}");
        Assert.Equal("***", task.GetProperty("params").GetProperty("api_key").GetString());
        Assert.Equal("owls", task.GetProperty("params").GetProperty("topic").GetString());
    }

    [Fact]
    public async Task Api_keys_never_appear_in_the_logs_even_with_HTTP_headers_logged()
    {
        const string wrongKey = "sk-wrong-key-for-the-logs-5555";
        var good = await _http.SubmitAsync("chat", Chat("log me"), ApiTestExtensions.UniqueClient("logs"));
        var bad = await _http.SubmitAsync("chat", $$"""{"question":"log me","api_key":"{{wrongKey}}"}""", ApiTestExtensions.UniqueClient("logs"));
        await _http.WaitForStatusAsync(good, "succeeded");
        await _http.WaitForStatusAsync(bad, "failed");

        var lines = api.Logs.ToList();
        Assert.Contains(lines, line => line.StartsWith("System.Net.Http.HttpClient.tasker-chat", StringComparison.Ordinal) && line.Contains("Authorization", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("invalid API key", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(Key, StringComparison.Ordinal) || line.Contains(wrongKey, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("chat", """{"api_key":"sk-x"}""", "params.question")]
    [InlineData("chat", """{"question":"","api_key":"sk-x"}""", "params.question")]
    [InlineData("chat", """{"question":"why?"}""", "params.api_key")]
    [InlineData("chat", """{"question":"why?","api_key":null}""", "params.api_key")]
    [InlineData("chat", """{"question":"why?","api_key":"two words"}""", "params.api_key")]
    [InlineData("chat", """{"question":"why?","api_key":"sk-x","model":"other"}""", "params.model")]
    [InlineData("conversation", """{"n":3,"api_key":"sk-x"}""", "params.topic")]
    [InlineData("conversation", """{"topic":"owls","api_key":"sk-x"}""", "params.n")]
    [InlineData("conversation", """{"topic":"owls","n":0,"api_key":"sk-x"}""", "params.n")]
    [InlineData("conversation", """{"topic":"owls","n":51,"api_key":"sk-x"}""", "params.n")]
    [InlineData("conversation", """{"topic":"owls","n":2.5,"api_key":"sk-x"}""", "params.n")]
    [InlineData("conversation", """{"topic":"owls","n":3}""", "params.api_key")]
    public async Task Bad_chat_parameters_are_a_400_naming_the_field(string type, string parameters, string field)
    {
        var response = await _http.PostTaskAsync(type, parameters, ApiTestExtensions.UniqueClient("bad-chat"));

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
    }

    [Fact]
    public async Task Chat_without_api_key_uses_the_configured_key()
    {
        using var configured = api.WithWebHostBuilder(host => host.UseSetting("Tasker:Chat:ApiKey", Key));
        using var http = configured.CreateClient();

        var id = await http.SubmitAsync("chat", """{"question":"who am I?"}""", ApiTestExtensions.UniqueClient("default-key"));
        var task = await http.WaitForStatusAsync(id, "succeeded");

        Assert.Equal(FakeChatServer.Reply("who am I?"), task.GetProperty("result").GetProperty("answer").GetString());
        Assert.False(task.GetProperty("params").TryGetProperty("api_key", out _));

        // An explicit null means the same as no key.
        var withNull = await http.SubmitAsync("chat", """{"question":"and now?","api_key":null}""", ApiTestExtensions.UniqueClient("default-key"));
        Assert.Equal(FakeChatServer.Reply("and now?"), (await http.WaitForStatusAsync(withNull, "succeeded")).GetProperty("result").GetProperty("answer").GetString());
    }

    [Theory]
    [InlineData("Tasker:Chat:BaseUrl", "not a url", "BaseUrl")]
    [InlineData("Tasker:Chat:BaseUrl", "ftp://models.example/v1", "BaseUrl")]
    [InlineData("Tasker:Chat:TotalTimeout", "00:00:00.500", "TotalTimeout")]
    [InlineData("Tasker:Chat:MaxConversationTurns", "0", "MaxConversationTurns")]
    public void A_bad_chat_setting_stops_the_silo_at_start_naming_it(string key, string value, string named)
    {
        using var misconfigured = api.WithWebHostBuilder(host => host.UseSetting(key, value));

        var failure = Record.Exception(() => misconfigured.CreateClient());

        Assert.NotNull(failure);
        Assert.Contains("ChatOptions: ", failure.ToString(), StringComparison.Ordinal);
        Assert.Contains(named, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_api_key_is_stored_encrypted_and_the_call_still_carries_it()
    {
        var id = await _http.SubmitAsync("chat", Chat("Where is the key?"), ApiTestExtensions.UniqueClient("sealed"));
        await _http.WaitForStatusAsync(id, "succeeded"); // The fake endpoint answers only the valid key.

        var stored = await StoredParametersAsync(id);
        Assert.DoesNotContain(Key, stored, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789", stored, StringComparison.Ordinal);
        Assert.Contains("\"api_key\":\"dp1:", stored, StringComparison.Ordinal);
        Assert.Contains("Where is the key?", stored, StringComparison.Ordinal); // Only the secret is sealed.
    }

    [Fact]
    public async Task Conversation_api_key_is_stored_encrypted()
    {
        var id = await _http.SubmitAsync("conversation", Conversation("secrets", 2), ApiTestExtensions.UniqueClient("sealed"));
        await _http.WaitForStatusAsync(id, "succeeded");

        Assert.DoesNotContain(Key, await StoredParametersAsync(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_retried_with_its_idempotency_key_and_the_same_key_returns_the_first_task()
    {
        var client = ApiTestExtensions.UniqueClient("sealed-retry");
        var body = Chat("Asked twice?");
        var first = await _http.PostTaskAsync("chat", body, client, idempotencyKey: "chat-once");
        var second = await _http.PostTaskAsync("chat", body, client, idempotencyKey: "chat-once");

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.True(second.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"the retry answered {(int)second.Status}: {second.Body}");
        Assert.Equal(first.Body.GetProperty("id").GetString(), second.Body.GetProperty("id").GetString());
    }

    /// <summary>The task's parameters as its grain storage holds them: what a dump of the state would show.</summary>
    private async Task<string> StoredParametersAsync(string id)
    {
        var storage = api.Services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(TaskerStorage.Name);
        var grainId = api.Services.GetRequiredService<IGrainFactory>().GetGrain<ITaskGrain>(id).GetGrainId();
        var state = new GrainState<Tasker.Tasks.TaskState>(new Tasker.Tasks.TaskState());
        await storage.ReadStateAsync(Tasker.Tasks.TaskGrain.StateName, grainId, state);
        var task = state.State;
        Assert.True(task is { Exists: true }, $"task {id} is not stored");
        return task.ParametersJson;
    }

    private static string Chat(string question) => $$"""{"question":{{JsonSerializer.Serialize(question)}},"api_key":"{{Key}}"}""";

    private static string Conversation(string topic, int n) =>
        $$"""{"topic":{{JsonSerializer.Serialize(topic)}},"n":{{n}},"api_key":"{{Key}}"}""";

    /// <summary>Turn 1 answers the opening about the topic; every later turn answers the one before it.</summary>
    private static void AssertChain(JsonElement result, string topic, int turns)
    {
        var texts = result.GetProperty("turns").EnumerateArray().ToList();
        Assert.Equal(turns, texts.Count);
        var expected = FakeChatServer.Reply(ConversationHandler.Opening(topic));
        for (var i = 0; i < turns; i++)
        {
            Assert.Equal(i + 1, texts[i].GetProperty("n").GetInt32());
            Assert.Equal(expected, texts[i].GetProperty("text").GetString());
            expected = FakeChatServer.Reply(expected);
        }
    }
}

/// <summary>
/// The front end and an embedded silo whose chat endpoint is a <see cref="FakeChatServer"/>, with short timeouts and
/// quick retries so the failure tests take seconds.
/// </summary>
public sealed class ChatApiFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Model = "fake-model-1";
    public const int MaxRetries = 2;

    public FakeChatServer Fake { get; private set; } = null!;

    /// <summary>Every log line of the silo, "category: message exception", HTTP client headers included.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    public async Task InitializeAsync() => Fake = await FakeChatServer.StartAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Fake.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Chat:BaseUrl", Fake.BaseUrl.ToString())
            .UseSetting("Tasker:Chat:Model", Model)
            .UseSetting("Tasker:Chat:AttemptTimeout", "00:00:01.500")
            .UseSetting("Tasker:Chat:TotalTimeout", "00:00:04")
            .UseSetting("Tasker:Chat:MaxRetries", MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Tasker:Chat:RetryDelay", "00:00:00.050")
            // One attempt per task unless a test asks for more: the tests count the fake's requests, and a failed task's
            // later attempts (chat's default) would land in another test's count.
            .UseSetting("Tasker:Retry:Types:chat:MaxAttempts", "1")
            .UseSetting("Tasker:Retry:Types:conversation:MaxAttempts", "1")
            .ConfigureLogging(logging => logging
                .AddProvider(new RecordingLoggerProvider(Logs))
                .AddFilter<RecordingLoggerProvider>(null, LogLevel.Information)
                .AddFilter<RecordingLoggerProvider>("Tasker", LogLevel.Debug)
                .AddFilter<RecordingLoggerProvider>("System.Net.Http", LogLevel.Trace));
}

/// <summary>Keeps log lines in memory so a test can search them.</summary>
public sealed class RecordingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
    }
}

/// <summary>
/// Chat tests share one fake endpoint whose switches (delay, failures) are global, so they run on their own, after the
/// parallel collections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChatCollection : ICollectionFixture<ChatApiFixture>
{
    public const string Name = "chat";
}
