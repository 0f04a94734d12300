using System.ComponentModel.DataAnnotations;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Tasker.Silo.Hosting;

/// <summary>How long a stop may take. Bound from <c>Tasker:Stop</c>.</summary>
public sealed class StopOptions
{
    public const string SectionName = "Tasker:Stop";

    /// <summary>
    /// From the stop signal (SIGTERM) to a forced exit when the graceful stop has not ended. Default 8 s: inside docker's
    /// 10 s grace with room to spare, after the host's own 7 s for its services (<c>HostOptions.ShutdownTimeout</c>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ForceAfter { get; set; } = TimeSpan.FromSeconds(8);
}

/// <summary>Registers <see cref="StopDeadline"/>.</summary>
public static class StopDeadlineExtensions
{
    public static WebApplicationBuilder AddTaskerStopDeadline(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<StopOptions>(StopOptions.SectionName);
        builder.Services.AddHostedService<StopDeadline>();
        return builder;
    }
}

/// <summary>
/// Bounds a silo's stop (docs/adr/032-bounded-stop.md): the graceful part hands on what it can within
/// the host's shutdown timeout; if the process is still here at <see cref="StopOptions.ForceAfter"/> (Orleans leaving a
/// cluster whose Redis, PostgreSQL or peers are gone can wait on them for minutes), it says so in one log line and exits.
/// Nothing acknowledged is lost by that: running tasks are stored at their last checkpoint and their reminders and the
/// storage fence hand them on, exactly as after kill -9.
/// </summary>
public sealed partial class StopDeadline(IHostApplicationLifetime lifetime, IOptions<StopOptions> options, ILogger<StopDeadline> logger)
    : IHostedService, IDisposable
{
    private readonly List<PosixSignalRegistration> _signals = [];
    private volatile bool _servicesStopped;
    private int _armed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Armed by the process's stop signals only (the host handles them too), never by a host stopped in code, as
        // tests stop theirs: a deadline there would end the test run.
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, _ => Arm()));
        }

        lifetime.ApplicationStopped.Register(() => _servicesStopped = true);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }
    }

    private void Arm()
    {
        if (Interlocked.Exchange(ref _armed, 1) == 1)
        {
            return; // A second signal changes nothing: the first one's deadline stands.
        }

        // A thread of its own, not a timer on the pool: a stop that hangs may be one whose pool threads are all blocked.
        // It is a background thread, so a process that ends in time ends it too.
        var deadline = options.Value.ForceAfter;
        new Thread(() =>
        {
            Thread.Sleep(deadline);
            Forced(logger, deadline.TotalSeconds, _servicesStopped ? "disposing the silo's services" : "stopping the silo (Orleans leaving its cluster, storage flushes)");
            Thread.Sleep(100); // The console logger writes from a queue of its own.

            // Should a process-exit handler hang too, the process ends all the same a moment later.
            new Thread(() =>
            {
                Thread.Sleep(TimeSpan.FromSeconds(1));
                Environment.FailFast("Tasker's forced stop: a process-exit handler did not return");
            })
            { IsBackground = true }.Start();
            Environment.Exit(0);
        })
        { IsBackground = true, Name = "tasker-stop-deadline" }.Start();
    }
}
