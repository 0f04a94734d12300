using Tasker.Caching;
using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>
/// The result cache's leader/follower protocol for one task (docs/adr/003): a task whose identical computation runs
/// elsewhere follows it; a leader reports its outcome to the cache before it commits its end.
/// </summary>
public sealed partial class TaskGrain
{
    public async Task LeaderEndedAsync(CacheAnswer answer)
    {
        if (S.Exists && S.Phase == TaskPhase.Queued && S.LeaderId is not null)
        {
            // A leader that failed or was cancelled does not decide for its followers: one of them leads next.
            await SettleFollowerAsync(answer.Status == CacheLookupStatus.Failed
                ? await ResultCache().JoinAsync(S.Type, S.ParametersJson, Id)
                : answer);
        }
    }

    private async Task JoinCacheAsync()
    {
        var answer = await ResultCache().JoinAsync(S.Type, S.ParametersJson, Id);
        if (answer.Status == CacheLookupStatus.Follow)
        {
            S.LeaderId = answer.LeaderId;
            await HoldReminderAsync(); // Re-asks the cache if the leader's word never arrives.
            return;
        }

        if (answer.Status == CacheLookupStatus.Lead)
        {
            await BeginRunInSlotAsync();
            return;
        }

        Apply(answer);
    }

    private async Task SettleFollowerAsync(CacheAnswer answer)
    {
        switch (answer.Status)
        {
            case CacheLookupStatus.Follow:
                S.LeaderId = answer.LeaderId;
                await CommitAsync();
                return;
            case CacheLookupStatus.Lead:
                await HoldReminderAsync();
                S.LeaderId = null;
                await BeginRunInSlotAsync();
                await CommitAsync();
                break;
            default:
                S.LeaderId = null;
                Apply(answer);
                await CommitAsync();
                await ReleaseReminderAsync();
                break;
        }

        await AfterPhaseChangeAsync();
    }

    /// <summary>Applies a final answer of the result cache to this task.</summary>
    private void Apply(CacheAnswer answer)
    {
        S.StartedAt ??= DateTimeOffset.UtcNow;
        if (answer.Status is CacheLookupStatus.Hit or CacheLookupStatus.Computed)
        {
            S.ResultJson = answer.ResultJson;
            S.Cached = answer.Status == CacheLookupStatus.Hit;
            S.Progress = handlers.Get(S.Type) is IChunkedTaskHandler chunked && chunked.Plan(S.ParametersJson) is { } plan
                ? new ProgressState(plan.Total, plan.Total)
                : null;
            S.Finish(TaskPhase.Succeeded);
        }
        else
        {
            S.Finish(TaskPhase.Failed, error: answer.Error ?? "the computation failed");
        }
    }

    /// <summary>
    /// Reports to the cache between a change of state and its commit. If the report fails, this activation's state is
    /// ahead of storage: the activation is dropped, so the next call or reminder reads the stored state again
    /// (docs/adr/014), instead of living on with a change that storage never saw.
    /// </summary>
    private async Task ReportToCacheOrDropAsync()
    {
        try
        {
            await ReportToCacheAsync();
        }
        catch
        {
            Drop();
            throw;
        }
    }

    private async Task ReportToCacheAsync()
    {
        if (!handlers.Get(S.Type).Cacheable || S.ParentId is not null)
        {
            return;
        }

        var outcome = S.Phase == TaskPhase.Succeeded
            ? new CacheAnswer(CacheLookupStatus.Computed, S.ResultJson)
            : new CacheAnswer(CacheLookupStatus.Failed, Error: S.Error);
        await ResultCache().CompleteAsync(Id, outcome);
    }

    private IResultCacheGrain ResultCache() =>
        GrainFactory.GetGrain<IResultCacheGrain>(ResultCacheKey.For(S.Type, S.ParametersJson));
}
