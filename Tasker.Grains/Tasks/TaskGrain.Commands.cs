using Tasker.Handlers;
using Tasker.Storage;

namespace Tasker.Tasks;

/// <summary>
/// A client's commands on the task (pause, resume, cancel, delete): each asks <see cref="TaskLifecycle"/> first, puts the
/// task in the phase the rules lead to, commits, then gives back what the old phase held.
/// </summary>
public sealed partial class TaskGrain
{
    public async Task<TaskCommandResult> PauseAsync()
    {
        if (!S.Exists)
        {
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        var transition = TaskLifecycle.Decide(TaskEvent.Pause, S.Phase, RunsOnAgent);
        if (!transition.Legal)
        {
            return Illegal("pause", transition.Refusal!);
        }

        Chunks.Stop();
        S.Phase = transition.Target;
        S.Epoch++;
        await CommitAsync();
        await ReleaseReminderAsync();
        await AfterPhaseChangeAsync();
        TaskGrainLog.Command(logger, Id, S.Client, "paused");
        return new TaskCommandResult(TaskCommandStatus.Done, _published);
    }

    public async Task<TaskCommandResult> ResumeAsync()
    {
        if (!S.Exists)
        {
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        var transition = TaskLifecycle.Decide(TaskEvent.Resume, S.Phase, RunsOnAgent);
        if (!transition.Legal)
        {
            return Illegal("resume", transition.Refusal!);
        }

        await HoldReminderAsync();
        BeginRun(transition.Target);
        await CommitAsync();
        await AfterPhaseChangeAsync();
        TaskGrainLog.Command(logger, Id, S.Client, "resumed");
        return new TaskCommandResult(TaskCommandStatus.Done, _published);
    }

    public async Task<TaskCommandResult> CancelAsync()
    {
        if (!S.Exists)
        {
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        var transition = TaskLifecycle.Decide(TaskEvent.Cancel, S.Phase, RunsOnAgent);
        if (!transition.Legal)
        {
            return Illegal("cancel", transition.Refusal!);
        }

        Chunks.Stop();
        var wasLeading = S.Phase is TaskPhase.Running or TaskPhase.Paused;
        var wasDue = DueTime;
        S.Finish(clock.GetUtcNow(), transition.Target, error: "cancelled on request");
        if (wasLeading)
        {
            await ReportEndToCacheOrDropAsync();
        }

        await CommitAsync();
        await ReleaseWhatTheTaskHeldAsync(wasLeading, wasDue);
        await AfterPhaseChangeAsync();
        TaskGrainLog.Command(logger, Id, S.Client, "cancelled");
        return new TaskCommandResult(TaskCommandStatus.Done, _published);
    }

    /// <summary>After a cancel is committed: gives back its reminder, its agent's command, its run's hold and its due entry.</summary>
    private async Task ReleaseWhatTheTaskHeldAsync(bool wasLeading, DateTimeOffset? wasDue)
    {
        await ReleaseReminderAsync();
        if (RunsOnAgent)
        {
            await ShellQueue().ForgetAsync(Id); // The agent hears of it at its next heartbeat and kills the command.
        }

        if (wasLeading && handlers.Get(S.Type) is IChunkedTaskHandler chunked)
        {
            await chunked.ReleaseAsync(Id);
        }

        await ForgetDueAsync(wasDue);
    }

    public async Task<TaskCommandResult> DeleteAsync()
    {
        if (!S.Exists)
        {
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        if (TaskLifecycle.Decide(TaskEvent.Delete, S.Phase, RunsOnAgent) is { Legal: false } refused)
        {
            return Illegal("delete", refused.Refusal!);
        }

        await TellChildrenBeforeGoingAsync();
        var client = S.Client;
        var isChild = S.ParentId is not null;
        var last = _published;
        var wasDue = DueTime;
        var noticesDue = S.EndNoticesDueAt;
        await state.ClearAndDropAsync(this);
        _published = null;
        Signal();
        if (!isChild)
        {
            await GrainFactory.GetGrain<IClientGrain>(client).ForgetAsync(Id);
        }

        await ForgetDueAsync(wasDue);
        await ForgetDueAsync(noticesDue);
        TaskGrainLog.Command(logger, Id, client, "deleted");
        return new TaskCommandResult(TaskCommandStatus.Done, last);
    }

    private TaskCommandResult Illegal(string command, string why) =>
        new(TaskCommandStatus.IllegalTransition, _published, $"Cannot {command} task {Id}: it is {S.Phase.ToWire()}, and {why}.");
}
