using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Tasker.Clients;

/// <summary>Embedded mode's histories: per client, a list sorted by task id descending, under the client's own lock.</summary>
public sealed class InMemoryHistoryStore(IOptions<TaskerOptions> options) : IHistoryStore
{
    private readonly ConcurrentDictionary<string, History> _clients = new(StringComparer.Ordinal);

    public Task RecordAsync(string client, ClientTaskEntry entry, CancellationToken cancellationToken = default)
    {
        _clients.GetOrAdd(client, _ => new History()).Record(entry, options.Value.MaxHistoryPerClient);
        return Task.CompletedTask;
    }

    public Task ForgetAsync(string client, string taskId, CancellationToken cancellationToken = default)
    {
        if (_clients.TryGetValue(client, out var history))
        {
            history.Forget(taskId);
        }

        return Task.CompletedTask;
    }

    public Task<HistoryPage> QueryAsync(string client, HistoryQuery query, CancellationToken cancellationToken = default) =>
        Task.FromResult(_clients.TryGetValue(client, out var history) ? history.Query(query) : new HistoryPage([], null, 0));

    private sealed class History
    {
        private readonly Lock _lock = new();
        private readonly List<ClientTaskEntry> _entries = [];
        private long _recorded;

        public void Record(ClientTaskEntry entry, int cap)
        {
            lock (_lock)
            {
                var at = FindIndex(entry.TaskId);
                if (at >= 0)
                {
                    _entries[at] = entry;
                    return;
                }

                _entries.Insert(~at, entry);
                _recorded++;
                if (_entries.Count > cap)
                {
                    _entries.RemoveRange(cap, _entries.Count - cap);
                }
            }
        }

        public void Forget(string taskId)
        {
            lock (_lock)
            {
                if (FindIndex(taskId) is var at and >= 0)
                {
                    _entries.RemoveAt(at);
                }
            }
        }

        public HistoryPage Query(HistoryQuery query)
        {
            lock (_lock)
            {
                var start = 0;
                if (query.Before is { } before)
                {
                    var at = FindIndex(before);
                    start = at >= 0 ? at + 1 : ~at;
                }

                var page = new List<ClientTaskEntry>(query.Limit);
                for (var i = start; i < _entries.Count; i++)
                {
                    var entry = _entries[i];
                    if (!HistoryFilter.Matches(query, entry))
                    {
                        continue;
                    }

                    if (page.Count == query.Limit)
                    {
                        return new HistoryPage(page, page[^1].TaskId, _recorded);
                    }

                    page.Add(entry);
                }

                return new HistoryPage(page, null, _recorded);
            }
        }

        /// <summary>Binary search in the id-descending list: the index, or the bitwise complement of where it would go.</summary>
        private int FindIndex(string taskId)
        {
            int low = 0, high = _entries.Count - 1;
            while (low <= high)
            {
                var mid = (low + high) / 2;
                var order = string.CompareOrdinal(_entries[mid].TaskId, taskId);
                if (order == 0)
                {
                    return mid;
                }

                if (order > 0)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid - 1;
                }
            }

            return ~low;
        }
    }
}

/// <summary>The type and status filters of a history query.</summary>
public static class HistoryFilter
{
    public static bool Matches(HistoryQuery query, ClientTaskEntry entry) =>
        (query.Type is null || entry.Type == query.Type) && (query.Phase is not { } phase || entry.Phase == phase);
}
