namespace Tasker.Bench.HangfireRuns;

/// <summary>The job Hangfire runs: add(x, y), the peer of Tasker's sum2.</summary>
public static class AddJob
{
    /// <summary>Returns x + y (Hangfire stores it in the Succeeded state).</summary>
    public static long Add(long x, long y) => x + y;
}
