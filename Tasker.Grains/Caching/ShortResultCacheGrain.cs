using Microsoft.Extensions.Options;
using Tasker.Handlers;

namespace Tasker.Caching;

/// <summary>
/// One partition of the short types' result cache as a grain, for a cluster (docs/adr/009): a grain per partition,
/// not per request, so a short task costs one message here, not a new activation with a storage read. The partition
/// holds at most its share of <see cref="TaskerOptions.MaxCachedShortResults"/>.
/// </summary>
public sealed class ShortResultCacheGrain(TaskHandlerRegistry handlers, IOptions<TaskerOptions> options, TimeProvider clock) : Grain, IShortResultCacheGrain
{
    private readonly ShortResultCachePartition _partition = new(handlers, options, clock, options.Value.MaxCachedShortResults / ResultCacheKey.ShortPartitions);

    public Task<CacheAnswer> GetOrComputeAsync(string type, string parametersJson, string client) =>
        Task.FromResult(_partition.GetOrCompute(type, parametersJson, client));

    public Task ExpireAsync(string type, string parametersJson, string client, DateTimeOffset computedBefore)
    {
        _partition.Expire(type, parametersJson, client, computedBefore);
        return Task.CompletedTask;
    }
}
