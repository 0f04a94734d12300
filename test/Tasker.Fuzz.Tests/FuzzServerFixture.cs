using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tasker.Testing;

namespace Tasker.Fuzz.Tests;

/// <summary>
/// The real front end and an embedded silo on Kestrel, on a free loopback port, with every route on: shell tasks and
/// agents (a token), a fake chat server, the old systems. Limits are small so that fuzzed work stays cheap (a count
/// to at most 2,000, a sequence of at most 50), and error logs are kept so the fuzzer can assert there are none.
/// </summary>
public class FuzzServerFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AgentToken = "fuzz-agent-token-0123456789";
    public const string AdminName = "fuzz-admin";
    public const string AdminPassword = "fuzz-admin-password-1";

    /// <summary>With authentication on: every request of the fuzzer is sent as a user without the shell role.</summary>
    protected virtual bool SignedIn => false;

    /// <summary>The Authorization header the known tasks were submitted with: the admin's when signed in.</summary>
    public string? AdminAuthorization => SignedIn ? "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{AdminName}:{AdminPassword}")) : null;

    private readonly string _files = Directory.CreateTempSubdirectory("tasker-fuzz-").FullName;

    public FakeChatServer Chat { get; private set; } = null!;

    public ErrorLog Errors { get; } = new();

    public Uri Address => ClientOptions.BaseAddress;

    /// <summary>Tasks that exist: a finished sum2, a long count (running, for pause/resume/cancel), a queued shell task, an export.</summary>
    public IReadOnlyList<string> KnownIds { get; private set; } = [];

    /// <summary>The task types the server runs, from its <c>GET /types</c>: the fuzzer submits each.</summary>
    public IReadOnlyList<FuzzType> Types { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Chat = await FakeChatServer.StartAsync();
        UseKestrel(0);
        StartServer();
        using var http = new HttpClient { BaseAddress = Address };
        if (AdminAuthorization is { } admin)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", admin);
        }

        var ids = new List<string>();
        foreach (var body in new[]
        {
            """{"type":"sum2","params":{"first":1,"second":2},"client":"fuzz"}""",
            """{"type":"count","params":{"to":2000,"delay_ms":500},"client":"fuzz"}""",
            """{"type":"count","params":{"to":2000,"delay_ms":500},"client":"fuzz"}""",
            """{"type":"shell","params":{"command":"echo fuzz"},"client":"fuzz"}""",
            """{"type":"csv-export","params":{"from":"2010-01-01","till":"2019-12-31"},"client":"fuzz"}""",
        })
        {
            using var answer = await http.PostAsync("/tasks", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            answer.EnsureSuccessStatusCode();
            var task = await answer.Content.ReadFromJsonAsync<JsonElement>();
            ids.Add(task.GetProperty("id").GetString()!);
        }

        KnownIds = ids;
        Types = FuzzType.From(await http.GetFromJsonAsync<JsonElement>("/types"));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Chat.DisposeAsync();
        Directory.Delete(_files, recursive: true);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Chat:BaseUrl", Chat.BaseUrl.ToString())
            .UseSetting("Tasker:Chat:AttemptTimeout", "00:00:02")
            .UseSetting("Tasker:Chat:TotalTimeout", "00:00:05")
            .UseSetting("Tasker:Files:Path", _files)
            .UseSetting("Tasker:Shell:Enabled", "true")
            .UseSetting("Tasker:Agents:Token", AgentToken)
            .UseSetting("Tasker:MaxCountTo", "2000")
            .UseSetting("Tasker:MaxSequenceN", "50")
            .UseSetting("Logging:LogLevel:Default", "Warning");
        if (SignedIn)
        {
            builder.UseSetting("Tasker:Auth:Enabled", "true")
                .UseSetting("Tasker:Auth:AdminName", AdminName)
                .UseSetting("Tasker:Auth:AdminPassword", AdminPassword)
                .UseSetting("Tasker:Auth:DemoUsers", "true") // 003's test:test, without the shell role: the fuzzer's user.
                .UseSetting("Tasker:Tiers:free:RequestsPerSecond", "1000000")
                // Agents' tokens sent to users' routes count as failed sign-ins from this one address: unthrottled here,
                // so that the run reaches the routes (docs/adr/031 has its own tests) and the admin's last look is answered.
                .UseSetting("Tasker:Auth:SignIn:AddressFailureBurst", "100000");
        }

        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Errors));
    }

    /// <summary>Error and critical log lines of the server, kept for the fuzzer's verdict.</summary>
    public sealed class ErrorLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        /// <summary>Forgets what was logged so far (tests of one class run one at a time).</summary>
        public void Clear() => _lines.Clear();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel) && lines.Count < 200)
                {
                    lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}
