using Microsoft.Extensions.Options;
using Orleans.Placement;
using Tasker.Storage;

namespace Tasker.Caching;

/// <summary>
/// One cached result of a long type. Non-reentrant on purpose: identical requests queue here, so only the first
/// computes: it is elected leader and the others follow it until it reports back. (Short types have their own
/// cache, <see cref="ShortResultCacheGrain"/>.)
/// </summary>
[PreferLocalPlacement] // Made by the first request's silo: a miss costs no hop between silos.
public sealed class ResultCacheGrain(
    [PersistentState("cache", TaskerStorage.Name)] IPersistentState<ResultCacheState> state,
    IOptions<TaskerOptions> options,
    TimeProvider clock) : Grain, IResultCacheGrain
{
    private ResultCacheState S => state.State;

    public async Task<CacheAnswer> JoinAsync(string type, string parametersJson, string taskId)
    {
        var key = ResultCacheKey.Describe(type, parametersJson);
        if (FreshResult(key) is { } hit)
        {
            return new CacheAnswer(CacheLookupStatus.Hit, hit);
        }

        if (S.LeaderId is not null && S.LeaderId != taskId && S.Followers.Contains(taskId) && !await LeaderIsComputingAsync(S.LeaderId))
        {
            // A follower asks again when its leader's word has not come for a reminder period. A leader whose first
            // write failed (it never existed) or that ended without reporting (it failed between the two) will never
            // report: this follower takes over rather than wait forever.
            S.LeaderId = null;
        }

        if (S.LeaderId is null || S.LeaderId == taskId)
        {
            S.Key = key;
            S.LeaderId = taskId;
            S.Followers.Remove(taskId);
            await state.WriteOrDropAsync(this);
            return new CacheAnswer(CacheLookupStatus.Lead);
        }

        if (!S.Followers.Contains(taskId))
        {
            if (S.Followers.Count >= options.Value.MaxCacheFollowers)
            {
                return new CacheAnswer(CacheLookupStatus.Lead); // Too many waiting: this one computes on its own.
            }

            S.Followers.Add(taskId);
            await state.WriteOrDropAsync(this);
        }

        return new CacheAnswer(CacheLookupStatus.Follow, LeaderId: S.LeaderId);
    }

    public async Task CompleteAsync(string leaderId, CacheAnswer outcome)
    {
        var succeeded = outcome.Status == CacheLookupStatus.Computed && outcome.ResultJson is not null;
        if (succeeded)
        {
            S.ResultJson = outcome.ResultJson;
            S.StoredAt = clock.GetUtcNow();
            S.ComputedBy = leaderId;
        }

        if (S.LeaderId != leaderId)
        {
            if (succeeded)
            {
                await state.WriteOrDropAsync(this);
            }

            return;
        }

        var followers = S.Followers;
        S.LeaderId = null;
        S.Followers = [];
        await state.WriteOrDropAsync(this);

        // One-way calls: a follower may itself be waiting on this grain, so its answer must not be awaited here.
        var answer = succeeded
            ? new CacheAnswer(CacheLookupStatus.Hit, outcome.ResultJson)
            : new CacheAnswer(CacheLookupStatus.Failed, Error: outcome.Error);
        foreach (var follower in followers)
        {
            await GrainFactory.GetGrain<ITaskGrain>(follower).LeaderEndedAsync(answer);
        }
    }

    public async Task ExpireAsync(string taskId)
    {
        var owned = S.ComputedBy == taskId || FreshResult(S.Key ?? "") is null; // A stale entry serves no one.
        if (!owned || S.LeaderId is not null || S.Followers.Count > 0 || !state.RecordExists)
        {
            return;
        }

        await state.ClearAndDropAsync(this);
    }

    /// <summary>True while the leader task exists and has not ended (running, paused or queued).</summary>
    private async Task<bool> LeaderIsComputingAsync(string leaderId) =>
        await GrainFactory.GetGrain<ITaskGrain>(leaderId).GetAsync() is { } leader && !leader.Phase.IsFinal(); // GetAsync interleaves: no deadlock with a leader completing here.

    private string? FreshResult(string key) =>
        S.ResultJson is not null && S.Key == key && clock.GetUtcNow() - S.StoredAt < options.Value.CacheTtl ? S.ResultJson : null;
}
