using Microsoft.Extensions.Options;
using Tasker.Handlers;

namespace Tasker.Caching;

/// <summary>
/// One partition of the short types' result cache (docs/adr/009). A grain per partition, not per request: a short
/// task then costs one message here, not a new activation with a storage read. Results are kept in memory only,
/// because recomputing a short type costs less than a durable write on every request; the partition holds at most
/// its share of <see cref="TaskerOptions.MaxCachedShortResults"/>, dropping the oldest first.
/// </summary>
public sealed class ShortResultCacheGrain(TaskHandlerRegistry handlers, IOptions<TaskerOptions> options) : Grain, IShortResultCacheGrain
{
    private readonly Dictionary<string, LinkedListNode<Entry>> _results = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _oldestFirst = new();

    private int Capacity => options.Value.MaxCachedShortResults / ResultCacheKey.ShortPartitions;

    public Task<CacheAnswer> GetOrComputeAsync(string type, string parametersJson)
    {
        var key = ResultCacheKey.Describe(type, parametersJson);
        if (_results.TryGetValue(key, out var cached) && DateTimeOffset.UtcNow - cached.Value.StoredAt < options.Value.CacheTtl)
        {
            return Task.FromResult(new CacheAnswer(CacheLookupStatus.Hit, cached.Value.ResultJson));
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

        Remember(key, result);
        return Task.FromResult(new CacheAnswer(CacheLookupStatus.Computed, result));
    }

    public Task ExpireAsync(string type, string parametersJson, DateTimeOffset computedBefore)
    {
        if (_results.TryGetValue(ResultCacheKey.Describe(type, parametersJson), out var entry) && entry.Value.StoredAt <= computedBefore)
        {
            Forget(entry);
        }

        return Task.CompletedTask;
    }

    private void Remember(string key, string result)
    {
        if (Capacity <= 0)
        {
            return;
        }

        if (_results.TryGetValue(key, out var stale))
        {
            Forget(stale);
        }

        _results[key] = _oldestFirst.AddLast(new Entry(key, result, DateTimeOffset.UtcNow));
        while (_results.Count > Capacity && _oldestFirst.First is { } oldest)
        {
            Forget(oldest);
        }
    }

    private void Forget(LinkedListNode<Entry> entry)
    {
        _results.Remove(entry.Value.Key);
        _oldestFirst.Remove(entry);
    }

    private sealed record Entry(string Key, string ResultJson, DateTimeOffset StoredAt);
}
