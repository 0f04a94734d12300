using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tasker.Storage;

namespace Tasker.Shell;

/// <summary>
/// The queue of shell tasks (docs/adr/013): which task an agent gets next (priority, then the client served least
/// recently, then age: <see cref="ShellWaitingLine"/>) and when to ask a
/// leased task whether its lease still holds. The tasks themselves hold their leases and decide; this grain holds
/// ids and deadlines only, so a lost call here can delay a task but never lose or duplicate it: every id it hands
/// out stays watched until its task says it has ended.
/// </summary>
public sealed class ShellQueueGrain(
    [PersistentState("shell-queue", TaskerStorage.Name)] IPersistentState<ShellQueueState> state,
    IOptions<ShellOptions> options,
    IOptions<TaskerOptions> taskerOptions,
    TimeProvider clock,
    ILogger<ShellQueueGrain> logger) : Grain, IShellQueueGrain, IRemindable
{
    private const int MaxAgents = 1_000;
    private const int MaxChecksPerSweep = 200;
    private const string KeepReminder = "keep";

    private readonly ShellWaitingLine _queued = new();
    private readonly Dictionary<string, AgentSighting> _agents = new(StringComparer.Ordinal);

    // The waiting picks, oldest first: a task queued wakes one of them, not all (docs/adr/039).
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private DateTimeOffset _lastPick = clock.GetUtcNow();
    private bool _keepReminderHeld;

    private ShellOptions Shell => options.Value;

    private int Count => _queued.Count + state.State.Leased.Count;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in state.State.Queued)
        {
            _queued.Add(entry);
        }

        this.RegisterGrainTimer(SweepAsync, new GrainTimerCreationOptions
        {
            DueTime = Shell.SweepInterval,
            Period = Shell.SweepInterval,
            KeepAlive = true,
        });
        return Task.CompletedTask;
    }

    public async Task<bool> EnqueueAsync(string taskId, TaskPriority priority, DateTimeOffset createdAt, string client)
    {
        if (_queued.Contains(taskId))
        {
            return true;
        }

        var wasLeased = state.State.Leased.Remove(taskId);
        if (!wasLeased && Count >= Shell.MaxQueued)
        {
            return false;
        }

        _queued.Add(new ShellQueueEntry(taskId, priority, createdAt, clock.GetUtcNow(), client));
        await WriteAsync();
        Wake(1);
        return true;
    }

    public async Task ReturnAsync(string taskId, TaskPriority priority, DateTimeOffset createdAt, string client)
    {
        if (state.State.Leased.Remove(taskId) && !_queued.Contains(taskId))
        {
            _queued.Add(new ShellQueueEntry(taskId, priority, createdAt, clock.GetUtcNow(), client));
            await WriteAsync();
            Wake(1);
        }
    }

    public Task<ShellLeaseGrant?> PickAsync(string agent) => TakeAsync(agent);

    public Task<ShellLeaseGrant?> PickAheadAsync(string agent)
    {
        // An idle agent's waiting pick goes first: a task held ahead waits for its agent's current command, and
        // should that command run long, the agent gives it back.
        return _waiters.Count > 0 ? Task.FromResult<ShellLeaseGrant?>(null) : TakeAsync(agent);
    }

    private async Task<ShellLeaseGrant?> TakeAsync(string agent)
    {
        Seen(agent, null);
        if (!Shell.Enabled)
        {
            return null; // Shell tasks are off: whatever waits here stays queued, and no command goes out.
        }
        while (_queued.Take() is { } first)
        {
            // Watched from now on, so that a pick that fails half way is found at the deadline. Not stored: should this
            // activation be lost, the stored entry (queued since its enqueue) is picked again, and the task, leased
            // already, says until when; nothing the store can be behind by loses a task (docs/adr/013).
            state.State.Leased[first.TaskId] = clock.GetUtcNow() + Shell.LeaseDuration;

            ShellLeaseAnswer answer;
            try
            {
                answer = await GrainFactory.GetGrain<IShellTaskGrain>(first.TaskId).LeaseAsync(agent);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                ShellQueueGrainLog.PickFailed(logger, first.TaskId, exception);
                throw;
            }

            if (answer.Grant is not { } grant)
            {
                if (answer.HeldUntil is { } heldUntil)
                {
                    state.State.Leased[first.TaskId] = heldUntil; // Another agent holds it: its lease is watched as any.
                }
                else
                {
                    state.State.Leased.Remove(first.TaskId); // Cancelled or gone while it waited.
                }

                continue;
            }

            state.State.Leased[first.TaskId] = grant.LeaseExpiresAt;
            _lastPick = clock.GetUtcNow();
            Seen(agent, grant.TaskId);
            if (state.State.AlarmRaised)
            {
                await SetAlarmAsync(false, "an agent picked a shell task");
            }

            if (_queued.Count > 0)
            {
                Wake(1); // More waits: should an agent woken for an earlier task have gone, the next one takes it.
            }

            return grant;
        }

        return null;
    }

    public async Task<bool> WaitForWorkAsync(TimeSpan timeout)
    {
        if (_queued.Count > 0)
        {
            return true;
        }

        var waiter = _waiters.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await waiter.Value.Task.WaitAsync(timeout, clock);
        }
        catch (TimeoutException)
        {
            // Nothing came for this pick.
        }
        finally
        {
            if (waiter.List is not null)
            {
                _waiters.Remove(waiter);
            }
        }

        return _queued.Count > 0;
    }

    public Task ForgetAsync(string taskId)
    {
        // Not written now: the next write carries it, and should this activation be lost first, the stored entry is
        // harmless (a pick finds the task not leasable, a lease check finds it gone). One write less per finished task.
        state.State.Leased.Remove(taskId);
        _queued.Remove(taskId);

        foreach (var (name, sighting) in _agents.Where(a => a.Value.CurrentTaskId == taskId).ToList())
        {
            _agents[name] = sighting with { CurrentTaskId = null };
        }

        return Task.CompletedTask;
    }

    public Task SeenAsync(string agent, string? currentTaskId)
    {
        Seen(agent, currentTaskId);
        return Task.CompletedTask;
    }

    public Task<ShellQueueView> ViewAsync() => Task.FromResult(new ShellQueueView(
        _queued.Count,
        state.State.Leased.Count,
        [.. _agents.Values.OrderByDescending(a => a.LastSeen)]));

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // Activating is all it is for.

    /// <summary>Asks the tasks whose lease deadline has passed, and raises or clears the queue alarm.</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        await HoldKeepReminderAsync();
        var now = clock.GetUtcNow();
        var due = state.State.Leased.Where(l => l.Value <= now).Select(l => l.Key).Take(MaxChecksPerSweep).ToList();
        var changed = false;
        var requeued = 0;
        foreach (var taskId in due)
        {
            LeaseCheck check;
            try
            {
                check = await GrainFactory.GetGrain<IShellTaskGrain>(taskId).CheckLeaseAsync();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                ShellQueueGrainLog.CheckFailed(logger, taskId, exception);
                state.State.Leased[taskId] = now + Shell.SweepInterval * 5;
                continue;
            }

            switch (check.Status)
            {
                case LeaseCheckStatus.Renewed:
                    state.State.Leased[taskId] = check.Deadline ?? now + Shell.LeaseDuration;
                    break;
                case LeaseCheckStatus.Requeued:
                    state.State.Leased.Remove(taskId);
                    _queued.Add(new ShellQueueEntry(taskId, check.Priority, check.CreatedAt, now, check.Client));
                    requeued++;
                    changed = true;
                    break;
                default:
                    state.State.Leased.Remove(taskId);
                    changed = true;
                    break;
            }
        }

        if (changed)
        {
            await WriteAsync();
            Wake(requeued);
        }

        // Picks that wait while tasks are queued a sweep or longer were not woken for them, or a woken one went away
        // without picking (its agent stopped): they are woken now, so that no task waits much beyond a sweep beside an
        // idle agent. A task queued since the last sweep has its woken pick on the way: waking another for it as well
        // would send two agents for one task.
        if (_waiters.Count > 0)
        {
            Wake(_queued.Entries.Count(e => now - e.QueuedAt >= Shell.SweepInterval));
        }

        await SoundAlarmAsync(now);
    }

    private async Task SoundAlarmAsync(DateTimeOffset now)
    {
        if (state.State.AlarmRaised && _queued.Count == 0)
        {
            await SetAlarmAsync(false, "no shell task waits any more");
            return;
        }

        if (state.State.AlarmRaised || _queued.Count == 0 || now - _lastPick < Shell.QueueAlarm)
        {
            return;
        }

        var oldest = _queued.Entries.Min(e => e.QueuedAt);
        if (now - oldest >= Shell.QueueAlarm)
        {
            await SetAlarmAsync(true, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{_queued.Count} shell task(s) waiting, the oldest for {(int)(now - oldest).TotalSeconds} s, and no agent has picked one for longer than {Shell.QueueAlarm.TotalSeconds} s (Tasker:Shell:QueueAlarm): are the agents running?"));
        }
    }

    /// <summary>Turns the <c>shell</c> process to <c>queue</c> (raise) or back to <c>active</c>, never over a status a person set.</summary>
    private async Task SetAlarmAsync(bool raise, string reason)
    {
        try
        {
            var registry = GrainFactory.GetGrain<IProcessRegistryGrain>(0);
            await (raise
                ? registry.ChangeStatusAsync(ShellHandler.TypeName, ProcessStatus.Active, ProcessStatus.Queue, reason)
                : registry.ChangeStatusAsync(ShellHandler.TypeName, ProcessStatus.Queue, ProcessStatus.Active, reason));
            state.State.AlarmRaised = raise;
            await WriteAsync();
            if (raise)
            {
                ShellQueueGrainLog.Alarm(logger, reason);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            ShellQueueGrainLog.AlarmFailed(logger, exception); // The next sweep tries again.
        }
    }

    /// <summary>A reminder brings this queue back after its silo is lost, so that leases are watched even before an agent calls.</summary>
    private async Task HoldKeepReminderAsync()
    {
        if (_keepReminderHeld)
        {
            return;
        }

        try
        {
            var period = taskerOptions.Value.ReminderPeriod;
            await this.RegisterOrUpdateReminder(KeepReminder, period, period);
            _keepReminderHeld = true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            ShellQueueGrainLog.AlarmFailed(logger, exception);
        }
    }

    private async Task WriteAsync()
    {
        state.State.Queued = [.. _queued.Entries];
        try
        {
            await state.WriteOrDropAsync(this); // This activation's view can no longer be trusted once a write failed.
        }
        catch (Exception exception)
        {
            ShellQueueGrainLog.WriteFailed(logger, exception);
            throw;
        }
    }

    private void Seen(string agent, string? currentTaskId)
    {
        if (!_agents.ContainsKey(agent) && _agents.Count >= MaxAgents)
        {
            _agents.Remove(_agents.MinBy(a => a.Value.LastSeen).Key);
        }

        _agents[agent] = new AgentSighting(agent, currentTaskId, clock.GetUtcNow());
    }

    /// <summary>Wakes the <paramref name="count"/> longest waiting picks, one per task queued.</summary>
    private void Wake(int count)
    {
        for (; count > 0 && _waiters.First is { } first; count--)
        {
            _waiters.RemoveFirst();
            first.Value.TrySetResult();
        }
    }
}
