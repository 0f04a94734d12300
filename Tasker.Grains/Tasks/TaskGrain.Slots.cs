using Microsoft.Extensions.Logging;
using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>
/// Tier limits on long tasks (docs/adr/015): a long task that is not a child takes one of its client's running slots
/// before it runs, or waits queued (holding its reminder) until the slots grain grants it one; it gives the slot
/// back when it ends. Short instant types and children never ask.
/// </summary>
public sealed partial class TaskGrain
{
    /// <summary>Starts the run if the client's slots allow it; otherwise the task stays queued, waiting for one.</summary>
    private async Task BeginRunInSlotAsync()
    {
        if (S.ParentId is not null || handlers.Get(S.Type) is not IChunkedTaskHandler)
        {
            BeginRun();
            await ArmDeadlineAsync();
            return;
        }

        var answer = await Slots().AcquireAsync(new SlotRequest(Id, S.Priority, S.CreatedAt));
        if (answer == SlotAnswer.Granted)
        {
            S.Slot = SlotClaim.Holding;
            BeginRun();
            await ArmDeadlineAsync();
        }
        else
        {
            S.Slot = SlotClaim.Waiting;
        }
    }

    public async Task SlotGrantedAsync()
    {
        if (!S.Exists || S.Phase != TaskPhase.Queued || S.Slot != SlotClaim.Waiting)
        {
            return; // Already running, ended, or never waited: nothing to do.
        }

        await BeginRunInSlotAsync();
        if (S.Phase == TaskPhase.Running)
        {
            await HoldReminderAsync();
            await CommitAsync();
            await AfterPhaseChangeAsync();
        }
    }

    private async Task ReleaseSlotIfEndedAsync()
    {
        if (S.Slot == SlotClaim.None || !(S.Phase.IsFinal() || S.Phase == TaskPhase.Scheduled))
        {
            return; // Running, paused or queued: the slot is still its. Waiting for another attempt, it gives it back.
        }

        try
        {
            await Slots().ReleaseAsync(Id);
            S.Slot = SlotClaim.None; // Not written: an ended task's claim means nothing, and the slots grain re-checks.
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The slots grain drops a holder whose task has ended when it next needs the room.
            TaskSlotsLog.ReleaseFailed(logger, Id, S.Client, exception);
        }
    }

    private IUserSlotsGrain Slots() => GrainFactory.GetGrain<IUserSlotsGrain>(S.Client);
}
