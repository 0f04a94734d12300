using System.Globalization;
using System.Text.Json;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.Redis.StackExchange;
using Hangfire.Storage.SQLite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tasker.Bench.HangfireRuns;

/// <summary>
/// Hangfire 1.8 as the peer of Tasker's HTTP API, driven by the same wrk script: one process with Kestrel and a
/// BackgroundJobServer, as a Hangfire user deploys it. <c>POST /tasks</c> takes Tasker's request shape
/// (<c>{"type":"sum2","params":{"first":F,"second":S}}</c> enqueues add(F, S); <c>{"type":"shell",...}</c> enqueues a job
/// that starts <c>true</c>), answers 202 once enqueued, or with <c>?wait=true</c> 200 once the job succeeded.
/// <c>POST /reset[?wait=true]</c> zeroes the counts; <c>GET /stats</c> tells how many jobs were enqueued and finished and
/// the time from the first enqueue to the last success, so the bench reports jobs run per second, not only accepted.
/// </summary>
public static class HangfireHost
{
    private static readonly TimeSpan _jobTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs until stopped: <c>hangfire-http inmemory|redis|sqlite --port P [--workers W] [--file F]</c>; Redis from
    /// TASKER_REDIS; SQLite in the file F (default a new file in the temp folder), as Hangfire.Storage.SQLite's users run it.
    /// </summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Count < 3 || args[0] is not ("inmemory" or "redis" or "sqlite") || args[1] != "--port" || args.Count % 2 == 0)
        {
            throw new ArgumentException("hangfire-http needs: inmemory|redis|sqlite --port P [--workers W] [--file F]");
        }

        var port = int.Parse(args[2], CultureInfo.InvariantCulture);
        var serverOptions = new BackgroundJobServerOptions();
        var file = Path.Combine(Path.GetTempPath(), $"hangfire-bench-{Guid.NewGuid():N}.db");
        for (var i = 3; i + 1 < args.Count; i += 2)
        {
            switch (args[i])
            {
                case "--workers": serverOptions.WorkerCount = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--file": file = args[i + 1]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        JobStorage storage = args[0] switch
        {
            "inmemory" => new InMemoryStorage(new InMemoryStorageOptions()),
            // Its default polls the queue every 15 s (a job waits that long): 50 ms, as a user tuning it for speed would.
            "sqlite" => new SQLiteStorage(file, new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(50) }),
            _ => new RedisStorage(
                Environment.GetEnvironmentVariable("TASKER_REDIS") is { Length: > 0 } redis ? redis : throw new ArgumentException("TASKER_REDIS is not set"),
                new RedisStorageOptions { Prefix = $"{{hf_bench_{Guid.NewGuid().ToString("N")[..10]}}}:" }),
        };
        var completions = new JobCompletions();
        GlobalJobFilters.Filters.Add(completions);
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings();

        // Enqueue is synchronous (blocking I/O on Redis) inside Kestrel's async handlers: with the default minimum of
        // one pool thread per core, 16 connections starve the pool for seconds. More threads favour the peer: its
        // run rate does not change, its enqueue latency does (bench/README.md).
        ThreadPool.GetMinThreads(out _, out var completionThreads);
        ThreadPool.SetMinThreads(64, completionThreads);
        var builder = WebApplication.CreateSlimBuilder();
        // As the ASP.NET templates' appsettings do: no log line per request.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        await using var app = builder.Build();
        using var server = new BackgroundJobServer(serverOptions, storage);
        var client = new BackgroundJobClient(storage);

        app.MapGet("/health/live", () => Results.Text("""{"status":"healthy"}""", "application/json"));
        app.MapGet("/stats", () => Results.Text(completions.Json(), "application/json"));
        // Delayed jobs (bench/run.sh's delayed row): each scheduled for its due time, as BackgroundJob.Schedule users do;
        // the server's default SchedulePollingInterval (15 s) moves them to the queue.
        app.MapPost("/schedule", (long dueUnixMs) =>
        {
            var id = client.Schedule(() => DueJob.Run(dueUnixMs), DateTimeOffset.FromUnixTimeMilliseconds(dueUnixMs));
            return Results.Text($$"""{"id":"{{id}}","status":"scheduled"}""", "application/json", statusCode: StatusCodes.Status202Accepted);
        });
        app.MapGet("/lateness", () => Results.Json(DueJob.Lateness));
        app.MapPost("/reset", (bool? wait) =>
        {
            completions.Reset(wait == true);
            return Results.NoContent();
        });
        app.MapPost("/tasks", async (HttpRequest request, bool? wait) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            var root = body.RootElement;
            string id;
            long? sum = null;
            switch (root.TryGetProperty("type", out var type) ? type.GetString() : null)
            {
                case "sum2":
                    var parameters = root.GetProperty("params");
                    var (x, y) = (parameters.GetProperty("first").GetInt64(), parameters.GetProperty("second").GetInt64());
                    id = client.Enqueue(() => AddJob.Add(x, y));
                    sum = x + y;
                    break;
                case "shell":
                    id = client.Enqueue(() => TrueJob.Run());
                    break;
                default:
                    return Results.Problem("type must be sum2 or shell", statusCode: StatusCodes.Status400BadRequest);
            }

            completions.Enqueued();
            if (wait != true)
            {
                return Results.Text($$"""{"id":"{{id}}","status":"enqueued"}""", "application/json", statusCode: StatusCodes.Status202Accepted);
            }

            try
            {
                await completions.WhenDone(id).WaitAsync(_jobTimeout);
            }
            finally
            {
                completions.Forget(id);
            }

            return Results.Text(
                string.Create(CultureInfo.InvariantCulture, $$"""{"id":"{{id}}","status":"succeeded","result":{{(object?)sum ?? "null"}}}"""), "application/json");
        });

        await app.RunAsync();
        return 0;
    }
}
