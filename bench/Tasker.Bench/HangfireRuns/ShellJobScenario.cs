using System.Diagnostics;
using System.Globalization;
using Hangfire;
using Hangfire.InMemory;

namespace Tasker.Bench.HangfireRuns;

/// <summary>
/// The peer of Tasker's shell tasks on executor agents (bench/shell.sh): Hangfire 1.8 InMemory with W workers drains N
/// queued jobs that each start the process <c>true</c> and wait for it. Measured from the server's start to the last
/// success, as the agents' drain is measured from the first pick to the last finish.
/// </summary>
public static class ShellJobScenario
{
    public static string Run(int jobs, int workers)
    {
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings();
        using var storage = new InMemoryStorage(new InMemoryStorageOptions());
        var client = new BackgroundJobClient(storage);
        for (var i = 0; i < jobs; i++)
        {
            client.Enqueue(() => TrueJob.Run());
        }

        var clock = Stopwatch.StartNew();
        using (new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers }, storage))
        {
            while (storage.GetMonitoringApi().GetStatistics().Succeeded < jobs)
            {
                Thread.Sleep(5);
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"hangfire inmemory workers={workers} jobs={jobs} span={seconds:F2}s jobs/s={jobs / seconds:F0} per-worker={seconds * workers / jobs * 1000:F1} ms");
    }
}

/// <summary>The job: start <c>true</c> and wait for it, as an agent runs a shell task.</summary>
public static class TrueJob
{
    public static void Run()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false }) ?? throw new InvalidOperationException("true did not start");
        process.WaitForExit();
    }
}
