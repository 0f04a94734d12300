using Tasker.Due;

namespace Tasker.Tasks;

/// <summary>
/// Tasks asked for later (docs/adr/034): a scheduled task is a stored state and a due entry, nothing in memory; its due
/// shard calls <see cref="DueAsync"/> at its time, and it starts as if just submitted. Every call after the first finds
/// it started already, so a due time starts it once, whatever the number of calls.
/// </summary>
public sealed partial class TaskGrain
{
    // A due entry stored by this activation, of which its shard is told once the state that needs it is committed.
    private DateTimeOffset? _expectDueAt;

    /// <summary>The time the task waits for while scheduled (its next attempt's, or its first); null otherwise.</summary>
    private DateTimeOffset? DueTime => S.Phase == TaskPhase.Scheduled ? S.NextAttemptAt ?? S.RunAt : null;

    public async Task<bool> DueAsync(DateTimeOffset dueAt)
    {
        if (_dropped)
        {
            // This activation's state is ahead of storage and on its way out: the next one reads the truth.
            throw new InvalidOperationException($"Task {Id} is reactivating; its due shard calls again.");
        }

        if (DueTime == dueAt)
        {
            await StartScheduledAsync();
        }
        else if (S is { Exists: true, Phase: TaskPhase.Running } && S.Deadline == dueAt)
        {
            await TimeOutAsync();
        }
        else if (S is { Exists: true, EndNotices: EndNotices.Pending } && S.EndNoticesDueAt == dueAt)
        {
            await SendEndNoticesAgainAsync(); // Throws when a notice fails again: the entry stays, and the shard calls again.
        }
        else if (S is { Exists: true, Phase: TaskPhase.Waiting })
        {
            await RecheckParentsAsync(); // What it learnt and did not store may have gone with an activation.
        }
        else if (S.Exists && S.Phase.IsFinal() && (S.NextAttemptAt ?? S.RunAt) == dueAt)
        {
            // Started by this entry and ended, yet the entry is still here: the silo that started it may have died between
            // the commit and the history line, which nothing else writes again (no reminder holds an ended task).
            await RecordHistoryAsync();
        }
        else
        {
            DeactivateIfScheduledOrGone(); // Started early, ended, deleted, or due at another time: nothing waits for this one.
        }

        return true;
    }

    public async Task<TaskCommandResult> RunNowAsync()
    {
        if (Refused(TaskEvent.RunNow, "run", out var transition) is { } refused)
        {
            return refused;
        }

        var wasDue = DueTime;
        await StartScheduledAsync(transition.Target);
        await ForgetDueAsync(wasDue);
        TaskGrainLog.Command(logger, Id, S.Client, "started before its time");
        return new TaskCommandResult(TaskCommandStatus.Done, _published);
    }

    /// <summary>
    /// Makes the just accepted task wait for <paramref name="runAt"/>: its due entry is stored before its state, so that a
    /// stored scheduled task always has its entry (an entry whose task was never stored finds nothing when it falls due).
    /// </summary>
    private async Task ScheduleAsync(DateTimeOffset runAt)
    {
        // Whole milliseconds: what every store keeps exactly, so that the time the shard reads back is this one.
        runAt = DueShards.WholeMilliseconds(runAt);
        await dueStore.AddAsync(DueShards.Of(Id), Id, runAt);
        S.Phase = TaskPhase.Scheduled;
        S.RunAt = runAt;
        _expectDueAt = runAt;
    }

    /// <summary>
    /// Tells the task's shard of a due entry this activation stored, once the state that needs it is committed, so that
    /// the shard's timer aims there. One-way: a lost notice costs at most a heartbeat's delay.
    /// </summary>
    private void TellShardOfDueEntry()
    {
        if (_expectDueAt is not { } at)
        {
            return;
        }

        _expectDueAt = null;
        try
        {
            _ = GrainFactory.GetGrain<IDueShardGrain>(DueShards.Of(Id)).ExpectAsync(at);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            TaskDueLog.ExpectFailed(logger, Id, S.Client, exception);
        }
    }

    /// <summary>Starts a scheduled task whose time has come, or that a client asked to run now.</summary>
    /// <param name="queued">The phase a scheduled task starts from (a run-now passes the one its transition leads to).</param>
    private async Task StartScheduledAsync(TaskPhase queued = TaskPhase.Queued)
    {
        var dueAt = DueTime!.Value;
        S.Phase = queued;
        try
        {
            await StartAsync(handlers.Get(S.Type));
        }
        catch
        {
            Drop(); // This activation's state is ahead of storage; the shard calls again and finds the stored one.
            throw;
        }

        await AfterPhaseChangeAsync();
        TaskDueLog.Started(logger, Id, S.Client, dueAt, S.Phase.ToWire());
    }

    /// <summary>Removes a due entry that nothing waits for any more; left behind, it costs one idle call at its time.</summary>
    private async Task ForgetDueAsync(DateTimeOffset? dueAt)
    {
        if (dueAt is not { } time)
        {
            return;
        }

        try
        {
            await dueStore.RemoveAsync(Id, time);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            TaskDueLog.ForgetFailed(logger, Id, exception);
        }
    }

    private void DeactivateIfScheduledOrGone()
    {
        if (!S.Exists || S.Phase is TaskPhase.Scheduled or TaskPhase.Waiting)
        {
            DeactivateOnIdle();
        }
    }
}
