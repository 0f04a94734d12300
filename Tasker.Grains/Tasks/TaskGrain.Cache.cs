using Tasker.Caching;

namespace Tasker.Tasks;

/// <summary>
/// The task's part in the result cache (docs/adr/003): its <see cref="CacheParticipation"/> asks the cache and decides,
/// and here the grain applies the decision, commits it once, then holds or gives back its reminder and its slot.
/// </summary>
public sealed partial class TaskGrain
{
    public async Task LeaderEndedAsync(CacheAnswer answer) => await SettleAsync(await Cache.LeaderEndedAsync(answer));

    /// <summary>Joins the cache as the task is accepted: it follows, leads (and runs), or ends. Not committed here: the acceptance commits it.</summary>
    private async Task JoinCacheAsync()
    {
        switch (await Cache.JoinAsync())
        {
            case CacheDecision.Follow follow:
                follow.ApplyTo(S);
                await HoldReminderAsync(); // Re-asks the cache if the leader's word never arrives.
                break;
            case CacheDecision.Lead lead:
                lead.ApplyTo(S);
                await BeginRunInSlotAsync();
                break;
            case CacheDecision.End end:
                end.ApplyTo(S);
                break;
        }
    }

    /// <summary>Asks the cache again (the reminder, when the leader's word may have been lost) and does as it answers.</summary>
    private async Task RejoinCacheAsync() => await SettleAsync(await Cache.RejoinAsync());

    /// <summary>Applies what a follower learned from its leader or the cache, and commits it.</summary>
    private async Task SettleAsync(CacheDecision decision)
    {
        switch (decision)
        {
            case CacheDecision.Follow follow:
                follow.ApplyTo(S);
                await CommitAsync();
                return;
            case CacheDecision.Lead lead:
                // The reminder is held before the run is committed: a task is never stored running without its wake-up.
                await HoldReminderAsync();
                lead.ApplyTo(S);
                await BeginRunInSlotAsync();
                await CommitAsync();
                break;
            case CacheDecision.End end:
                end.ApplyTo(S);
                await CommitAsync();
                await ReleaseReminderAsync();
                break;
            default:
                return; // No longer following: nothing changes.
        }

        await AfterPhaseChangeAsync();
    }

    /// <summary>
    /// Reports the end to the cache between a change of state and its commit. If the report fails, the activation's state
    /// is ahead of storage: the activation is dropped, so the next call or reminder reads the stored state again
    /// (docs/adr/014), instead of living on with a change that storage never saw.
    /// </summary>
    private async Task ReportEndToCacheOrDropAsync()
    {
        try
        {
            await Cache.ReportEndAsync();
        }
        catch
        {
            Drop();
            throw;
        }
    }
}
