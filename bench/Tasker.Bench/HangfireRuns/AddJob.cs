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
