namespace Tasker;

/// <summary>
/// One partition of the cache of short types' results (requests are spread over the partitions by a hash of
/// type + canonical parameters, and the asking client for a type cached per client). Non-reentrant, so concurrent identical requests share one computation; results
/// live in memory only (docs/adr/009).
/// </summary>
[Alias("tasker.IShortResultCacheGrain")]
public interface IShortResultCacheGrain : IGrainWithIntegerKey
{
    /// <summary>Answers from a fresh cached result (<see cref="CacheLookupStatus.Hit"/>), or computes it now.</summary>
    [Alias("GetOrCompute")]
    Task<CacheAnswer> GetOrComputeAsync(string type, string parametersJson, string client);

    /// <summary>
    /// The task that computed this request's result, at <paramref name="computedBefore"/> or earlier, expires
    /// (docs/adr/020): the result goes with it, unless it was computed again since.
    /// </summary>
    [Alias("Expire")]
    Task ExpireAsync(string type, string parametersJson, string client, DateTimeOffset computedBefore);
}
