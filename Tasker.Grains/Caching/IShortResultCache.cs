using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tasker.Handlers;
using Tasker.Tasks;

namespace Tasker.Caching;

/// <summary>
/// The short types' result cache as the front door sees it (docs/adr/009): concurrent identical requests share one
/// computation, and a fresh result answers again. Its partitions are grains in a cluster, and plain objects in this
/// process when one silo is the whole cluster (embedded mode): a grain call less on every short task (docs/adr/027).
/// </summary>
/// <remarks>
/// <c>client</c> is the client asking: a type cached per client (<see cref="CacheScope.PerClient"/>) keeps
/// and finds its results under it, so a hit never tells one client what another sent.
/// </remarks>
public interface IShortResultCache
{
    Task<CacheAnswer> GetOrComputeAsync(string type, string parametersJson, string client);

    /// <summary>Drops this computation's result if it was stored by <paramref name="computedBefore"/>.</summary>
    Task ExpireAsync(string type, string parametersJson, string client, DateTimeOffset computedBefore);

    /// <summary>The partitions in this process when this silo is the whole cluster, else the partition grains.</summary>
    public static IShortResultCache Create(IServiceProvider services) =>
        services.GetRequiredService<TaskActivations>().WholeCluster
            ? ActivatorUtilities.CreateInstance<LocalShortResultCache>(services)
            : ActivatorUtilities.CreateInstance<GrainShortResultCache>(services);
}

/// <summary>The cache's partitions as grains (<see cref="ShortResultCacheGrain"/>), found by a stable hash on every silo.</summary>
public sealed class GrainShortResultCache(IGrainFactory grains, TaskHandlerRegistry handlers) : IShortResultCache
{
    // Made once: resolving a grain reference was a visible share of a short task's cost.
    private readonly IShortResultCacheGrain[] _partitions =
        [.. Enumerable.Range(0, ResultCacheKey.ShortPartitions).Select(p => grains.GetGrain<IShortResultCacheGrain>(p))];

    public Task<CacheAnswer> GetOrComputeAsync(string type, string parametersJson, string client) =>
        Partition(type, parametersJson, client).GetOrComputeAsync(type, parametersJson, client);

    public Task ExpireAsync(string type, string parametersJson, string client, DateTimeOffset computedBefore) =>
        Partition(type, parametersJson, client).ExpireAsync(type, parametersJson, client, computedBefore);

    private IShortResultCacheGrain Partition(string type, string parametersJson, string client) =>
        _partitions[ResultCacheKey.ShortPartition(type, parametersJson, ResultCacheKey.Owner(handlers.Get(type), client))];
}

/// <summary>The cache's partitions in this process, each behind its own lock (a short computation takes microseconds).</summary>
public sealed class LocalShortResultCache : IShortResultCache
{
    private readonly (Lock Lock, ShortResultCachePartition Cache)[] _partitions;
    private readonly TaskHandlerRegistry _handlers;

    public LocalShortResultCache(TaskHandlerRegistry handlers, IOptions<TaskerOptions> options, TimeProvider clock)
    {
        _handlers = handlers;
        var capacity = options.Value.MaxCachedShortResults / ResultCacheKey.ShortPartitions;
        _partitions = [.. Enumerable.Range(0, ResultCacheKey.ShortPartitions).Select(_ => (new Lock(), new ShortResultCachePartition(handlers, options, clock, capacity)))];
    }

    public Task<CacheAnswer> GetOrComputeAsync(string type, string parametersJson, string client)
    {
        var (gate, cache) = Partition(type, parametersJson, client);
        lock (gate)
        {
            return Task.FromResult(cache.GetOrCompute(type, parametersJson, client));
        }
    }

    public Task ExpireAsync(string type, string parametersJson, string client, DateTimeOffset computedBefore)
    {
        var (gate, cache) = Partition(type, parametersJson, client);
        lock (gate)
        {
            cache.Expire(type, parametersJson, client, computedBefore);
        }

        return Task.CompletedTask;
    }

    // In one process a string hash is enough to spread the keys; no silo has to agree with another.
    private (Lock, ShortResultCachePartition) Partition(string type, string parametersJson, string client) =>
        _partitions[(uint)HashCode.Combine(
            StringComparer.Ordinal.GetHashCode(type),
            StringComparer.Ordinal.GetHashCode(parametersJson),
            ResultCacheKey.Owner(_handlers.Get(type), client) is { } owner ? StringComparer.Ordinal.GetHashCode(owner) : 0) % ResultCacheKey.ShortPartitions];
}
