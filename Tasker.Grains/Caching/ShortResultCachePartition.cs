using Microsoft.Extensions.Options;
using Tasker.Handlers;

namespace Tasker.Caching;

/// <summary>
/// One partition of the short types' result cache (docs/adr/009): results by type + canonical parameters (+ the asking
/// client, for a type cached per client: <see cref="CacheScope.PerClient"/>), in memory
/// only (recomputing a short type costs less than a durable write), at most <paramref name="capacity"/> of them,
/// dropping the oldest first. Not thread-safe: its owner serializes the calls (a grain's turn, or a lock).
/// </summary>
public sealed class ShortResultCachePartition(TaskHandlerRegistry handlers, IOptions<TaskerOptions> options, TimeProvider clock, int capacity)
{
    private readonly Dictionary<string, LinkedListNode<Entry>> _results = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _oldestFirst = new();

    /// <summary>The cached result of this computation if it is fresh, else computes it now and keeps it (not a failure).</summary>
    public CacheAnswer GetOrCompute(string type, string parametersJson, string client)
    {
        if (handlers.Get(type) is not IInstantTaskHandler handler)
        {
            throw new ArgumentException($"Task type '{type}' is not computed inline.", nameof(type));
        }

        var key = ResultCacheKey.Describe(type, parametersJson, ResultCacheKey.Owner(handler, client));
        if (_results.TryGetValue(key, out var cached) && clock.GetUtcNow() - cached.Value.StoredAt < options.Value.CacheTtl)
        {
            return new CacheAnswer(CacheLookupStatus.Hit, cached.Value.ResultJson);
        }

        string result;
        try
        {
            result = handler.Execute(parametersJson);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return new CacheAnswer(CacheLookupStatus.Failed, Error: exception.Message); // Failures are not cached.
        }

        Remember(key, result);
        return new CacheAnswer(CacheLookupStatus.Computed, result);
    }

    /// <summary>Drops this computation's result if it was stored by <paramref name="computedBefore"/>.</summary>
    public void Expire(string type, string parametersJson, string client, DateTimeOffset computedBefore)
    {
        var key = ResultCacheKey.Describe(type, parametersJson, ResultCacheKey.Owner(handlers.Get(type), client));
        if (_results.TryGetValue(key, out var entry) && entry.Value.StoredAt <= computedBefore)
        {
            Forget(entry);
        }
    }

    private void Remember(string key, string result)
    {
        if (capacity <= 0)
        {
            return;
        }

        if (_results.TryGetValue(key, out var stale))
        {
            Forget(stale);
        }

        _results[key] = _oldestFirst.AddLast(new Entry(key, result, clock.GetUtcNow()));
        while (_results.Count > capacity && _oldestFirst.First is { } oldest)
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
