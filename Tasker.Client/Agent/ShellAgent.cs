using System.Diagnostics;
using System.Net;
using Tasker.Api;

namespace Tasker.Client.Agent;

/// <summary>How a <c>tasker agent</c> runs: where, as whom, and how long one pick waits.</summary>
internal sealed record AgentSettings(Uri Server, string Token, string Name, TimeSpan PollInterval, CommandIsolation Isolation);

/// <summary>
/// The executor agent: runs one shell task at a time with its time limit, heartbeats while it runs (a cancellation
/// kills the command's process tree), and reports. While a command runs, it may hold the next task, picked ahead, so
/// that it starts without a round trip (docs/adr/039); held longer than a moment, that task goes back to the queue.
/// On stop it kills a running command and releases its lease and the one it holds.
/// </summary>
internal sealed class ShellAgent(AgentSettings settings, AgentApi api, AgentLog log)
{
    private const int Running = 0;
    private const int Cancelled = 1;
    private const int LeaseLost = 2;
    private static readonly TimeSpan _minHeartbeatSpacing = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan _firstHeartbeatAfter = TimeSpan.FromMilliseconds(500);

    // How long a task picked ahead may wait for the command before it; then it is released for another agent.
    private static readonly TimeSpan _holdAhead = TimeSpan.FromSeconds(1);

    // Until a server answers that it has no finish-and-pick (an older one): then every report is a plain finish.
    private bool _serverPicksOnFinish = true;

    /// <summary>Works until <paramref name="stopping"/>; true on a clean stop, false when the server refuses this agent's token.</summary>
    public async Task<bool> RunAsync(CancellationToken stopping)
    {
        log.Info("agent started", ("agent", settings.Name), ("server", settings.Server), ("poll_interval_s", settings.PollInterval.TotalSeconds),
            ("run_as", settings.Isolation.RunAs?.Name ?? "(the agent's user)"), ("command_env", string.Join(',', settings.Isolation.Environment.Keys.Order(StringComparer.Ordinal))));
        PickedTaskView? next = null;
        Task<PickedTaskView?>? ahead = null; // The task after next, picked ahead with the last report (in flight).
        while (!stopping.IsCancellationRequested)
        {
            PickedTaskView? task = next;
            next = null;
            // A task that a report brought means more may wait: the next one is picked ahead while this one runs. One
            // that an idle pick waited for is run alone: the queue was empty a moment ago.
            var busy = task is not null;
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
                (next, ahead) = await RunTaskAsync(task, ahead ?? (busy ? PickAheadAsync() : null), stopping);
            }
        }

        // Handed over with the last report as the agent stopped, or held ahead: queued again at once.
        if (next is not null)
        {
            await ReleaseAsync(next, "stopping: task released to the queue");
        }

        if (ahead is not null && await ahead is { } held)
        {
            await ReleaseAsync(held, "stopping: task released to the queue");
        }

        log.Info("agent stopped", ("agent", settings.Name));
        return true;
    }

    /// <summary>
    /// Runs a picked task and reports it. <paramref name="ahead"/>, when given, is a pick ahead in flight: its task is
    /// held while this one runs and is the next to run; then this one's report goes while that one runs, and picks ahead
    /// in turn. Else the report brings the next task (or none).
    /// </summary>
    private async Task<(PickedTaskView? Next, Task<PickedTaskView?>? Ahead)> RunTaskAsync(
        PickedTaskView task, Task<PickedTaskView?>? ahead, CancellationToken stopping)
    {
        log.Info("task picked", ("agent", settings.Name), ("task", task.Id), ("attempt", task.Attempt), ("timeout_s", task.TimeoutSeconds));
        log.Debug("command", ("task", task.Id), ("command", task.Command), ("lease", task.Lease));
        var verdict = Running;
        using var kill = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var heartbeatsEnd = new CancellationTokenSource();
        var started = Stopwatch.GetTimestamp();
        var run = CommandRunner.RunAsync(task.Command, settings.Isolation, TimeSpan.FromSeconds(task.TimeoutSeconds), task.OutputCapBytes, kill.Token);
        var holding = ahead is null ? Task.FromResult<PickedTaskView?>(null) : HoldAsync(ahead, run, started);
        var heartbeats = HeartbeatAsync(task, v =>
        {
            Interlocked.CompareExchange(ref verdict, v, Running);
            kill.Cancel();
        }, heartbeatsEnd.Token);

        var outcome = await run;
        await heartbeatsEnd.CancelAsync();
        await heartbeats;
        var held = await holding;

        switch (Volatile.Read(ref verdict))
        {
            case Cancelled:
                log.Info("task cancelled; its command was killed", ("agent", settings.Name), ("task", task.Id));
                return (held, null);
            case LeaseLost:
                log.Warn("lease lost (the task was offered again); its command was killed and nothing is reported", ("agent", settings.Name), ("task", task.Id));
                return (held, null);
            default:
                break;
        }

        if (stopping.IsCancellationRequested && outcome.Killed)
        {
            await ReleaseAsync(task, "stopping: task released to the queue");
            return (held, null);
        }

        if (held is not null && !stopping.IsCancellationRequested)
        {
            return (held, FinishAsync(task, outcome, pickAhead: true, stopping)); // Reported while the held task runs.
        }

        var next = await FinishAsync(task, outcome, pickAhead: false, stopping);
        if (held is not null && next is not null)
        {
            await ReleaseAsync(next, "stopping: task released to the queue");
        }

        return (held ?? next, null); // A task held as the agent stops is released by the caller's loop.
    }

    /// <summary>
    /// The task of a pick ahead, held while <paramref name="run"/> goes on; released, and null, when the command still
    /// runs a moment after it started: another agent may start that task sooner.
    /// </summary>
    private async Task<PickedTaskView?> HoldAsync(Task<PickedTaskView?> ahead, Task run, long started)
    {
        var held = await ahead;
        if (held is null || run.IsCompleted)
        {
            return held;
        }

        var left = _holdAhead - Stopwatch.GetElapsedTime(started);
        if (left > TimeSpan.Zero)
        {
            using var waited = new CancellationTokenSource();
            if (await Task.WhenAny(run, Task.Delay(left, waited.Token)) == run)
            {
                await waited.CancelAsync();
                return held;
            }
        }

        await ReleaseAsync(held, "task picked ahead released: the command before it runs on");
        return null;
    }

    /// <summary>A pick that does not wait, made while a command runs; null when none is queued, another agent waits, or it failed.</summary>
    private async Task<PickedTaskView?> PickAheadAsync()
    {
        try
        {
            // Not cancelled by a stop: a task leased to this agent must come back to be released.
            return await api.PickAheadAsync(CancellationToken.None);
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or TaskerApiException or System.Text.Json.JsonException)
        {
            log.Debug("pick ahead failed", ("agent", settings.Name), ("error", failure.Message));
            return null;
        }
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
    /// instead of two; ahead of the running one with <paramref name="pickAhead"/>); a retry does not, since the lost
    /// answer of a try may have held a lease this agent never saw.
    /// </summary>
    private async Task<PickedTaskView?> FinishAsync(PickedTaskView task, CommandOutcome outcome, bool pickAhead, CancellationToken stopping)
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
                    (finished, next) = await api.FinishAndPickAsync(task, report, pickAhead, CancellationToken.None);
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

    private async Task ReleaseAsync(PickedTaskView task, string why)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await api.ReleaseAsync(task, timeout.Token);
            log.Info(why, ("agent", settings.Name), ("task", task.Id));
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or TaskerApiException or System.Text.Json.JsonException)
        {
            log.Warn("could not release the task; its lease will expire", ("task", task.Id), ("error", failure.Message));
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
