using Tasker.Caching;

namespace Tasker.Tasks;

/// <summary>
/// The task's part in the result cache (docs/adr/003): its <see cref="CacheParticipation"/> asks the cache and decides,
/// and the grain applies the decision and its steps (<see cref="TaskSteps"/>): a reminder, a slot, a commit, the history.
/// </summary>
public sealed partial class TaskGrain
{
    public async Task LeaderEndedAsync(CacheAnswer answer) => await ApplyAsync(await Cache.LeaderEndedAsync(answer));

    /// <summary>Joins the cache as the task is accepted: it follows, leads (and runs), or ends. Not committed here: the acceptance commits it.</summary>
    private async Task JoinCacheAsync() => await ApplyAsync(await Cache.JoinAsync());

    /// <summary>Asks the cache again (the reminder, when the leader's word may have been lost) and does as it answers.</summary>
    private async Task RejoinCacheAsync() => await ApplyAsync(await Cache.RejoinAsync());

    /// <summary>Reports the end to the cache between a change of state and its commit; a failure drops the activation.</summary>
    private Task ReportEndToCacheOrDropAsync() => TaskSteps.ReportEndToCacheOrDropAsync(this);
}
