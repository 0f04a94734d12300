using System.Diagnostics;

namespace Tasker.Bench.HangfireRuns;

/// <summary>The job Hangfire runs: add(x, y), the peer of Tasker's sum2.</summary>
public static class AddJob
{
    /// <summary>Returns x + y (Hangfire stores it in the Succeeded state).</summary>
    public static long Add(long x, long y) => x + y;
}

/// <summary>The peer of a shell task <c>true</c> on an agent: start the process <c>true</c> and wait for it.</summary>
public static class TrueJob
{
    public static void Run()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false }) ?? throw new InvalidOperationException("true did not start");
        process.WaitForExit();
    }
}

/// <summary>
/// The peer of a delayed task: a job scheduled with <c>BackgroundJob.Schedule</c> for a due time, which notes how late
/// it started (its lateness, in milliseconds) for <c>GET /lateness</c>.
/// </summary>
public static class DueJob
{
    private static readonly System.Collections.Concurrent.ConcurrentQueue<long> _lateness = new();

    public static IReadOnlyList<long> Lateness => [.. _lateness];

    public static void Run(long dueUnixMs) => _lateness.Enqueue(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - dueUnixMs);
}
