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
        if (Refused(TaskEvent.Pause, "pause", out var transition) is { } refused)
        {
            return refused;
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
        if (Refused(TaskEvent.Resume, "resume", out var transition) is { } refused)
        {
            return refused;
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
        if (Refused(TaskEvent.Cancel, "cancel", out var transition) is { } refused)
        {
            return refused;
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
        if (Refused(TaskEvent.Delete, "delete", out _) is { } refused)
        {
            return refused;
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

    /// <summary>
    /// The answer to a command the task cannot take (there is none, or its phase does not allow it), or null, with the
    /// transition the rules give, when it can.
    /// </summary>
    private TaskCommandResult? Refused(TaskEvent command, string name, out TaskTransition transition)
    {
        if (!S.Exists)
        {
            transition = default;
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        transition = TaskLifecycle.Decide(command, S.Phase, RunsOnAgent);
        return transition.Legal ? null : Illegal(name, transition.Refusal!);
    }

    private TaskCommandResult Illegal(string command, string why) =>
        new(TaskCommandStatus.IllegalTransition, _published, $"Cannot {command} task {Id}: it is {S.Phase.ToWire()}, and {why}.");
}
