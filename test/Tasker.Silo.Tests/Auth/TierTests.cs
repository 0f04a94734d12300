using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests.Auth;

/// <summary>A tier's limit on a user's long tasks running at once; the rest wait queued and start by priority, then age.</summary>
[Collection(AuthCollection.Name)]
public sealed class TierTests(AuthApiFixture api)
{
    private const string Short = """{"type":"count","params":{"to":8,"delay_ms":100},"priority":"PRIORITY"}""";

    [Fact]
    public async Task A_free_users_three_long_tasks_run_one_at_a_time_in_priority_order()
    {
        var (name, password) = await api.NewUserAsync("free");
        using var http = api.As(name, password);

        var first = await SubmitAsync(http, "normal");
        var low = await SubmitAsync(http, "low");
        var normal = await SubmitAsync(http, "normal");
        Assert.Equal("running", first.Status());
        Assert.Equal("queued", low.Status());
        Assert.Equal("queued", normal.Status());

        var done = new List<JsonElement>();
        foreach (var task in new[] { first, low, normal })
        {
            done.Add(await http.WaitForStatusAsync(task.GetProperty("id").GetString()!, "succeeded", TimeSpan.FromSeconds(30)));
        }

        var (a, b, c) = (done[0], done[1], done[2]);
        // The normal one submitted last starts before the low one submitted earlier, and never two at once.
        Assert.True(Started(c) >= Finished(a), "the second normal task started before the first ended");
        Assert.True(Started(b) >= Finished(c), "the low task started before the normal one ended");
    }

    [Fact]
    public async Task A_paid_user_runs_two_long_tasks_at_once_and_queues_the_third()
    {
        var (name, password) = await api.NewUserAsync("paid", "paid");
        using var http = api.As(name, password);

        var tasks = new[] { await SubmitAsync(http, "high"), await SubmitAsync(http, "normal"), await SubmitAsync(http, "normal") };

        Assert.Equal(["running", "running", "queued"], tasks.Select(t => t.Status()));
        await http.WaitForStatusAsync(tasks[2].GetProperty("id").GetString()!, "succeeded", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_batch_counts_as_one_request_per_item_against_the_users_tier()
    {
        var (name, password) = await api.NewUserAsync("batch", "trickle"); // 3 requests per second
        using var http = api.As(name, password);
        static string Batch(int n) => "[" + string.Join(",", Enumerable.Repeat("""{"type":"sum2","params":{"first":1,"second":2}}""", n)) + "]";

        var (tooLarge, problem) = await http.PostJsonAsync("/tasks/batch", Batch(4));
        Assert.Equal(HttpStatusCode.TooManyRequests, tooLarge);
        Assert.Equal("batch-too-large", problem.GetProperty("code").GetString());

        await Task.Delay(1_100); // the bucket fills again
        var (fits, answer) = await http.PostJsonAsync("/tasks/batch", Batch(3));
        Assert.Equal(HttpStatusCode.OK, fits);
        Assert.Equal(3, answer.GetProperty("accepted").GetInt32());

        // Three batches of 2 at once are 6 requests: more than 3 a second, even if the bucket fills once meanwhile, so one
        // is refused (counted per request, the 3 would all pass).
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await http.PostJsonAsync("/tasks/batch", Batch(2))).Status);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task A_batch_without_credentials_is_a_401()
    {
        using var http = api.CreateClient();

        var (status, problem) = await http.PostJsonAsync("/tasks/batch", """[{"type":"sum2","params":{"first":1,"second":2},"client":"anyone"}]""");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("unauthenticated", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_free_user_asking_for_high_priority_gets_a_400_naming_priority()
    {
        using var http = api.As("test", "test");
        var (status, problem) = await http.PostJsonAsync("/tasks", Short.Replace("PRIORITY", "high", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("priority", out _));
    }

    [Fact]
    public async Task A_user_flooding_long_tasks_does_not_delay_another_users_task()
    {
        var (flooder, floodPassword) = await api.NewUserAsync("flood");
        var (other, otherPassword) = await api.NewUserAsync("other");
        using var flood = api.As(flooder, floodPassword);
        using var calm = api.As(other, otherPassword);

        var ids = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            var (_, task) = await flood.PostJsonAsync("/tasks", """{"type":"count","params":{"to":1000,"delay_ms":100}}""");
            ids.Add(task.GetProperty("id").GetString()!);
        }

        var mine = await SubmitAsync(calm, "normal");
        Assert.Equal("running", mine.Status());

        // Cancelling the queued ones releases their places; cancelling the running one lets the next start.
        foreach (var id in ids)
        {
            using var cancelled = await flood.PostAsync($"/tasks/{id}/cancel", null);
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }

        var last = await SubmitAsync(flood, "normal");
        await flood.WaitForStatusAsync(last.GetProperty("id").GetString()!, "running", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Cancelling_the_running_task_starts_the_next_waiting_one()
    {
        var (name, password) = await api.NewUserAsync("next");
        using var http = api.As(name, password);
        var running = await SubmitAsync(http, "normal", to: 100_000);
        var waiting = await SubmitAsync(http, "normal");
        Assert.Equal("queued", waiting.Status());

        using (var cancel = await http.PostAsync($"/tasks/{running.GetProperty("id").GetString()}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        await http.WaitForStatusAsync(waiting.GetProperty("id").GetString()!, "succeeded", TimeSpan.FromSeconds(20));
    }

    private static async Task<JsonElement> SubmitAsync(HttpClient http, string priority, int to = 8)
    {
        var body = Short.Replace("PRIORITY", priority, StringComparison.Ordinal).Replace("\"to\":8", $"\"to\":{to}", StringComparison.Ordinal);
        var (status, task) = await http.PostJsonAsync("/tasks", body);
        Assert.True(status == HttpStatusCode.Accepted, $"{(int)status} {task}");
        return task;
    }

    private static DateTimeOffset Started(JsonElement task) => task.GetProperty("startedAt").GetDateTimeOffset();

    private static DateTimeOffset Finished(JsonElement task) => task.GetProperty("finishedAt").GetDateTimeOffset();
}
