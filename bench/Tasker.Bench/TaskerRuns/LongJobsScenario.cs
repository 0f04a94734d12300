using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tasker.Api;
using Tasker.Bench.Measuring;
using Tasker.Bench.Servers;
using Tasker.Client;

namespace Tasker.Bench.TaskerRuns;

/// <summary>
/// Long jobs and control on one silo (embedded, or cluster mode) or, for failover, two: csv-export
/// rows/s over the default 100,000-row data set, pause and cancel latency (request sent → the task reports paused or
/// cancelled) over many tries, and the time and work a kill -9 of the silo running a long task costs.
/// </summary>
public static class LongJobsScenario
{
    private const int WarmupExports = 5;
    private const int MeasuredExports = 5;

    public sealed record ExportFigure(long Rows, double Seconds, double RowsPerSecond);

    public sealed record FailoverFigure(double SecondsUntilRunningAgain, long ProgressSeenBeforeKill, long ProgressWhenRunningAgain, long ChunkSteps);

    public sealed record LongJobsResult(
        string Scenario, IReadOnlyList<ExportFigure> Exports, LatencySummary Pause, LatencySummary Cancel, FailoverFigure? Failover, string Notes);

    public static async Task<LongJobsResult> RunAsync(BenchArguments options)
    {
        var cluster = options.Mode switch
        {
            "embedded" => false,
            "cluster" => true,
            _ => throw new ArgumentException($"unknown mode '{options.Mode}' for long (embedded, cluster)"),
        };

        await using var servers = cluster ? await RedisAndPostgres.ObtainAsync(options.WorkDirectory) : null;
        var run = "long-" + Guid.NewGuid().ToString("N")[..10];
        var silos = new List<SiloProcess>();
        try
        {
            for (var i = 0; i < (cluster ? 2 : 1); i++)
            {
                silos.Add(await SiloProcess.StartAsync($"long-{options.Mode}-{i + 1}", options.WorkDirectory, SiloProcess.Settings(options, run, servers)));
            }

            using var http = new HttpClient { BaseAddress = silos[0].Url, Timeout = TimeSpan.FromSeconds(60) };
            var client = new TaskerClient(http);
            // Warm-up exports first, not counted: the first ones run while the JIT still compiles the export path.
            for (var i = 0; i < WarmupExports; i++)
            {
                await ExportAsync(client);
            }

            var exports = new List<ExportFigure>();
            for (var i = 0; i < MeasuredExports; i++)
            {
                exports.Add(await ExportAsync(client));
            }

            var pause = await ControlAsync(client, options.LowLoadTasks, pause: true);
            var cancel = await ControlAsync(client, options.LowLoadTasks, pause: false);
            var failover = cluster ? await FailoverAsync(silos[1], client, silos[0]) : null;
            return new LongJobsResult(
                $"long-{options.Mode}", exports, pause, cancel, failover,
                $"export: full 2010–2019 range, default chunk_rows, {WarmupExports} not counted, then {MeasuredExports}, submit → succeeded seen by long-poll; " +
                "pause/cancel: count {to: 1e9, delay_ms: 1} " +
                "(a chunk waits out Tasker:ChunkBudget = 100 ms of steps), POST → the answer shows paused/cancelled; failover: count {to: 100000, delay_ms: 10} " +
                "on silo 1, kill -9, time until silo 2 reports progress beyond what was seen before the kill; Tasker:ReminderPeriod " +
                (options.SiloEnvironment.TryGetValue("Tasker__ReminderPeriod", out var period) ? period : "default (1 min)"));
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static async Task<ExportFigure> ExportAsync(TaskerClient client)
    {
        var clock = Stopwatch.StartNew();
        var task = await client.SubmitAsync("csv-export", new { from = "2010-01-01", till = "2019-12-31" }, "bench-long");
        var done = await client.WaitAsync(task.Id, TimeSpan.FromMinutes(5));
        var seconds = clock.Elapsed.TotalSeconds;
        if (done.Status != "succeeded" || done.Result is not { } result)
        {
            throw new InvalidOperationException($"export {task.Id} ended {done.Status}: {done.Error}");
        }

        var rows = result.GetProperty("rows").GetInt64();
        return new ExportFigure(rows, seconds, rows / seconds);
    }

    /// <summary>Pauses (then resumes) or cancels running count tasks, timing each command.</summary>
    private static async Task<LatencySummary> ControlAsync(TaskerClient client, int tries, bool pause)
    {
        var ticks = new List<long>(tries);
        var task = await client.SubmitAsync("count", new { to = 1_000_000_000, delay_ms = 1 }, "bench-long");
        for (var i = 0; i < tries; i++)
        {
            await Task.Delay(50); // Into a chunk.
            var start = Stopwatch.GetTimestamp();
            var answer = pause ? await client.PauseAsync(task.Id) : await client.CancelAsync(task.Id);
            ticks.Add(Stopwatch.GetTimestamp() - start);
            if (answer.Status != (pause ? "paused" : "cancelled"))
            {
                throw new InvalidOperationException($"{task.Id} answered {answer.Status}");
            }

            task = pause
                ? await client.ResumeAsync(task.Id)
                : await client.SubmitAsync("count", new { to = 1_000_000_000, delay_ms = 1 }, "bench-long");
        }

        await client.CancelAsync(task.Id);
        return LatencySummary.FromTicks(ticks);
    }

    private static async Task<FailoverFigure> FailoverAsync(SiloProcess survivor, TaskerClient viaDoomed, SiloProcess doomed)
    {
        using var http = new HttpClient { BaseAddress = survivor.Url, Timeout = TimeSpan.FromSeconds(60) };
        var viaSurvivor = new TaskerClient(http);
        var task = await viaDoomed.SubmitAsync("count", new { to = 100_000, delay_ms = 10 }, "bench-long");
        TaskView seen;
        do
        {
            await Task.Delay(100);
            seen = (await viaDoomed.GetAsync(task.Id))!;
        }
        while ((seen.Progress?.Done ?? 0) < 100);

        Process.GetProcessById(doomed.Pid).Kill(entireProcessTree: true);
        var clock = Stopwatch.StartNew();
        var before = seen.Progress!.Done;
        long after = 0;
        long first = -1;
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            try
            {
                var now = await viaSurvivor.GetAsync(task.Id);
                var done = now?.Progress?.Done ?? 0;
                if (now?.Status == "running" && first < 0 && done > 0)
                {
                    first = done; // The first answer from the survivor: the checkpoint it went on from, or later.
                }

                if (done > before)
                {
                    after = done;
                    break;
                }
            }
            catch (Exception exception) when (exception is TaskerApiException or HttpRequestException or TaskCanceledException)
            {
                // 503 while the cluster notices the dead silo.
            }

            await Task.Delay(100);
        }

        await viaSurvivor.CancelAsync(task.Id);
        return new FailoverFigure(clock.Elapsed.TotalSeconds, before, after, ChunkSteps: 100 / 10);
    }

    public static string Describe(LongJobsResult result) => JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
}
