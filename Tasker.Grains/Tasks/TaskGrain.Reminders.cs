namespace Tasker.Tasks;

/// <summary>
/// The task's reminder, its durable wake-up while it runs or waits for a slot or a leader: what it does when it fires,
/// and holding and giving it back.
/// </summary>
public sealed partial class TaskGrain
{
    private const string WakeReminder = "wake";

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        switch (S)
        {
            case { Exists: true, Phase: TaskPhase.Running }:
                Chunks.Start();
                break;
            case { Exists: true, Phase: TaskPhase.Queued, LeaderId: not null }:
                await RejoinCacheAsync();
                break;
            case { Exists: true, Phase: TaskPhase.Queued, Slot: SlotClaim.Waiting }:
                await SlotGrantedAsync(); // Asks again: a grant notice may have been lost.
                break;
            case { Exists: true, ParentId: null } when S.Phase.IsFinal():
                // Held on after the end because the final history line failed (AfterPhaseChangeAsync): write it again,
                // and keep the reminder until it is written, so that the history converges to the task's end.
                await RecordHistoryAsync();
                await ReleaseReminderAsync();
                break;
            default:
                await ReleaseReminderAsync();
                break;
        }
    }

    public async Task WakeAsync()
    {
        if (S is { Exists: true, Phase: TaskPhase.Running or TaskPhase.Queued })
        {
            // The reminder was in memory and went with the last process: hold it again, then act as it would have.
            // A queued task that needed none (a shell task waiting for an agent) gives it back at once.
            await HoldReminderAsync();
            await ReceiveReminder(WakeReminder, default);
        }
    }

    private async Task HoldReminderAsync() =>
        await this.RegisterOrUpdateReminder(WakeReminder, options.Value.ReminderPeriod, options.Value.ReminderPeriod);

    private async Task ReleaseReminderAsync()
    {
        if (await this.GetReminder(WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }
}
