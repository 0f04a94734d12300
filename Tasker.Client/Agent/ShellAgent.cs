using System.Net;
using Tasker.Api;

namespace Tasker.Client.Agent;

/// <summary>How a <c>tasker agent</c> runs: where, as whom, and how long one pick waits.</summary>
internal sealed record AgentSettings(Uri Server, string Token, string Name, TimeSpan PollInterval, CommandIsolation Isolation);

/// <summary>
/// The executor agent: picks one shell task at a time, runs it with its time limit, heartbeats while it runs (a
/// cancellation kills the command's process tree), and reports. On stop it kills a running command and releases its lease.
/// </summary>
internal sealed class ShellAgent(AgentSettings settings, AgentApi api, AgentLog log)
{
    private const int Running = 0;
    private const int Cancelled = 1;
    private const int LeaseLost = 2;
    private static readonly TimeSpan _minHeartbeatSpacing = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan _firstHeartbeatAfter = TimeSpan.FromMilliseconds(500);

    // Until a server answers that it has no finish-and-pick (an older one): then every report is a plain finish.
    private bool _serverPicksOnFinish = true;

    /// <summary>Works until <paramref name="stopping"/>; true on a clean stop, false when the server refuses this agent's token.</summary>
    public async Task<bool> RunAsync(CancellationToken stopping)
    {
        log.Info("agent started", ("agent", settings.Name), ("server", settings.Server), ("poll_interval_s", settings.PollInterval.TotalSeconds),
            ("run_as", settings.Isolation.RunAs?.Name ?? "(the agent's user)"), ("command_env", string.Join(',', settings.Isolation.Environment.Keys.Order(StringComparer.Ordinal))));
        PickedTaskView? next = null;
        while (!stopping.IsCancellationRequested)
        {
            PickedTaskView? task = next;
            next = null;
            try
            {
                task ??= await api.PickAsync(settings.PollInterval, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (TaskerApiException refused) when (refused.StatusCode == HttpStatusCode.Unauthorized)
            {
                log.Error("the server refuses this agent's token", ("agent", settings.Name), ("detail", refused.Detail));
                return false;
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or TaskerApiException or System.Text.Json.JsonException)
            {
                log.Warn("pick failed; trying again", ("agent", settings.Name), ("error", failure.Message), ("retry_in_s", settings.PollInterval.TotalSeconds));
                await PauseAsync(settings.PollInterval, stopping);
                continue;
            }

            if (task is not null)
            {
                next = await RunTaskAsync(task, stopping);
            }
        }

        if (next is not null)
        {
            await ReleaseAsync(next); // Handed over with the last report as the agent stopped: queued again at once.
        }

        log.Info("agent stopped", ("agent", settings.Name));
        return true;
    }

    /// <summary>Runs a picked task and reports it; the next task when the report brought one.</summary>
    private async Task<PickedTaskView?> RunTaskAsync(PickedTaskView task, CancellationToken stopping)
    {
        log.Info("task picked", ("agent", settings.Name), ("task", task.Id), ("attempt", task.Attempt), ("timeout_s", task.TimeoutSeconds));
        log.Debug("command", ("task", task.Id), ("command", task.Command), ("lease", task.Lease));
        var verdict = Running;
        using var kill = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var heartbeatsEnd = new CancellationTokenSource();
        var run = CommandRunner.RunAsync(task.Command, settings.Isolation, TimeSpan.FromSeconds(task.TimeoutSeconds), task.OutputCapBytes, kill.Token);
        var heartbeats = HeartbeatAsync(task, v =>
        {
            Interlocked.CompareExchange(ref verdict, v, Running);
            kill.Cancel();
        }, heartbeatsEnd.Token);

        var outcome = await run;
        await heartbeatsEnd.CancelAsync();
        await heartbeats;

        switch (Volatile.Read(ref verdict))
        {
            case Cancelled:
                log.Info("task cancelled; its command was killed", ("agent", settings.Name), ("task", task.Id));
                return null;
            case LeaseLost:
                log.Warn("lease lost (the task was offered again); its command was killed and nothing is reported", ("agent", settings.Name), ("task", task.Id));
                return null;
            default:
                break;
        }

        if (stopping.IsCancellationRequested && outcome.Killed)
        {
            await ReleaseAsync(task);
            return null;
        }

        return await FinishAsync(task, outcome, stopping);
    }

    /// <summary>Renews the lease until <paramref name="end"/>; calls <paramref name="stop"/> on a cancellation or a lost lease.</summary>
    private async Task HeartbeatAsync(PickedTaskView task, Action<int> stop, CancellationToken end)
    {
        // The pick's lease holds for a while: a command that ends quickly costs no heartbeat at all.
        await PauseAsync(_firstHeartbeatAfter, end);
        while (!end.IsCancellationRequested)
        {
            var started = DateTimeOffset.UtcNow;
            try
            {
                var beat = await api.HeartbeatAsync(task, end);
                if (beat.Cancel)
                {
                    stop(Cancelled);
                    return;
                }

                log.Debug("heartbeat", ("task", task.Id), ("lease_expires_at", beat.LeaseExpiresAt));
            }
            catch (OperationCanceledException) when (end.IsCancellationRequested)
            {
                return;
            }
            catch (TaskerApiException refused) when (refused.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                stop(LeaseLost);
                return;
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or TaskerApiException or System.Text.Json.JsonException)
            {
                log.Warn("heartbeat failed; trying again", ("task", task.Id), ("error", failure.Message));
                await PauseAsync(TimeSpan.FromSeconds(1), end);
                continue;
            }

            var spent = DateTimeOffset.UtcNow - started;
            if (spent < _minHeartbeatSpacing)
            {
                await PauseAsync(_minHeartbeatSpacing - spent, end);
            }
        }
    }

    /// <summary>
    /// Reports the outcome, retrying until the lease is long gone. The first try also asks for the next task (one request
    /// instead of two); a retry does not, since the lost answer of a try may have held a lease this agent never saw.
    /// </summary>
    private async Task<PickedTaskView?> FinishAsync(PickedTaskView task, CommandOutcome outcome, CancellationToken stopping)
    {
        var report = new FinishTaskRequest(
            task.Lease, outcome.ExitCode, outcome.Stdout, outcome.Stderr, outcome.StdoutTruncated, outcome.StderrTruncated,
            outcome.TimedOut, outcome.DurationMs, outcome.StartError);
        var delay = TimeSpan.FromMilliseconds(500);
        var withoutPick = false;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Not cancelled by a stop: the command has ended, so its report is worth the wait.
                TaskView finished;
                PickedTaskView? next = null;
                if (attempt == 1 && _serverPicksOnFinish && !stopping.IsCancellationRequested)
                {
                    (finished, next) = await api.FinishAndPickAsync(task, report, CancellationToken.None);
                }
                else
                {
                    finished = await api.FinishAsync(task, report, CancellationToken.None);
                    _serverPicksOnFinish &= !withoutPick; // The plain finish worked where finish-and-pick was not found.
                }

                log.Info("task finished", ("agent", settings.Name), ("task", task.Id), ("status", finished.Status), ("exit_code", outcome.ExitCode),
                    ("timed_out", outcome.TimedOut), ("duration_ms", outcome.DurationMs));
                return next;
            }
            catch (TaskerApiException missing) when (attempt == 1 && _serverPicksOnFinish && missing.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                // A server older than finish-and-pick, or a task that is gone: the plain finish tells them apart.
                withoutPick = true;
                log.Debug("finish-and-pick not answered; reporting with finish", ("task", task.Id));
                continue;
            }
            catch (TaskerApiException refused) when ((int)refused.StatusCode is >= 400 and < 500)
            {
                log.Warn("the server refused the report", ("agent", settings.Name), ("task", task.Id), ("status", (int)refused.StatusCode), ("detail", refused.Detail));
                return null;
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or TaskerApiException or System.Text.Json.JsonException)
            {
                if (DateTimeOffset.UtcNow > task.LeaseExpiresAt.AddMinutes(1) || (stopping.IsCancellationRequested && attempt >= 3))
                {
                    log.Error("could not report; the lease will expire and the task be offered again", ("task", task.Id), ("error", failure.Message));
                    return null;
                }

                log.Warn("report failed; trying again", ("task", task.Id), ("error", failure.Message));
                await Task.Delay(delay, CancellationToken.None);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task ReleaseAsync(PickedTaskView task)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await api.ReleaseAsync(task, timeout.Token);
            log.Info("stopping: task released to the queue", ("agent", settings.Name), ("task", task.Id));
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or TaskerApiException or System.Text.Json.JsonException)
        {
            log.Warn("stopping: could not release the task; its lease will expire", ("task", task.Id), ("error", failure.Message));
        }
    }

    private static async Task PauseAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
