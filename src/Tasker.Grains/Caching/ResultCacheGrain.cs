using Microsoft.Extensions.Options;
using Orleans.Placement;
using Tasker.Handlers;

namespace Tasker.Caching;

/// <summary>
/// One cached result. Non-reentrant on purpose: identical requests queue here, so only the first computes.
/// Short types are computed inside <see cref="GetOrComputeAsync"/>; long types elect the first task as leader
/// and the others follow it until it reports back.
/// </summary>
[PreferLocalPlacement] // Made by the first request's silo: a miss costs no hop between silos.
public sealed class ResultCacheGrain(
    [PersistentState("cache", TaskerStorage.Name)] IPersistentState<ResultCacheState> state,
    TaskHandlerRegistry handlers,
    IOptions<TaskerOptions> options) : Grain, IResultCacheGrain
{
    private ResultCacheState S => state.State;

    public Task<CacheAnswer> GetOrComputeAsync(string type, string parametersJson)
    {
        var key = ResultCacheKey.Describe(type, parametersJson);
        if (FreshResult(key) is { } hit)
        {
            return Task.FromResult(new CacheAnswer(CacheLookupStatus.Hit, hit));
        }

        if (handlers.Get(type) is not IInstantTaskHandler handler)
        {
            throw new ArgumentException($"Task type '{type}' is not computed inline.", nameof(type));
        }

        string result;
        try
        {
            result = handler.Execute(parametersJson);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return Task.FromResult(new CacheAnswer(CacheLookupStatus.Failed, Error: exception.Message)); // Failures are not cached.
        }

        // Kept in memory only: recomputing a short type costs less than a durable write on every request
        // (docs/adr/003). Long types' results are written, in CompleteAsync.
        S.Key = key;
        S.ResultJson = result;
        S.StoredAt = DateTimeOffset.UtcNow;
        return Task.FromResult(new CacheAnswer(CacheLookupStatus.Computed, result));
    }

    public async Task<CacheAnswer> JoinAsync(string type, string parametersJson, string taskId)
    {
        var key = ResultCacheKey.Describe(type, parametersJson);
        if (FreshResult(key) is { } hit)
        {
            return new CacheAnswer(CacheLookupStatus.Hit, hit);
        }

        if (S.LeaderId is null || S.LeaderId == taskId)
        {
            S.Key = key;
            S.LeaderId = taskId;
            S.Followers.Remove(taskId);
            await state.WriteStateAsync();
            return new CacheAnswer(CacheLookupStatus.Lead);
        }

        if (!S.Followers.Contains(taskId))
        {
            if (S.Followers.Count >= options.Value.MaxCacheFollowers)
            {
                return new CacheAnswer(CacheLookupStatus.Lead); // Too many waiting: this one computes on its own.
            }

            S.Followers.Add(taskId);
            await state.WriteStateAsync();
        }

        return new CacheAnswer(CacheLookupStatus.Follow, LeaderId: S.LeaderId);
    }

    public async Task CompleteAsync(string leaderId, CacheAnswer outcome)
    {
        var succeeded = outcome.Status == CacheLookupStatus.Computed && outcome.ResultJson is not null;
        if (succeeded)
        {
            S.ResultJson = outcome.ResultJson;
            S.StoredAt = DateTimeOffset.UtcNow;
        }

        if (S.LeaderId != leaderId)
        {
            if (succeeded)
            {
                await state.WriteStateAsync();
            }

            return;
        }

        var followers = S.Followers;
        S.LeaderId = null;
        S.Followers = [];
        await state.WriteStateAsync();

        // One-way calls: a follower may itself be waiting on this grain, so its answer must not be awaited here.
        var answer = succeeded
            ? new CacheAnswer(CacheLookupStatus.Hit, outcome.ResultJson)
            : new CacheAnswer(CacheLookupStatus.Failed, Error: outcome.Error);
        foreach (var follower in followers)
        {
            await GrainFactory.GetGrain<ITaskGrain>(follower).LeaderEndedAsync(answer);
        }
    }

    private string? FreshResult(string key) =>
        S.ResultJson is not null && S.Key == key && DateTimeOffset.UtcNow - S.StoredAt < options.Value.CacheTtl ? S.ResultJson : null;
}
