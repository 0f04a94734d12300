namespace Tasker.Due;

/// <summary>The in-memory mode's due entries: one time-ordered tree per shard, under one lock.</summary>
public sealed class InMemoryDueStore : IDueStore
{
    private static readonly IComparer<(DateTimeOffset DueAt, string TaskId)> _byTime = Comparer<(DateTimeOffset DueAt, string TaskId)>.Create(
        (a, b) => a.DueAt != b.DueAt ? a.DueAt.CompareTo(b.DueAt) : string.CompareOrdinal(a.TaskId, b.TaskId));

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (int Shard, DateTimeOffset DueAt)> _byTask = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset DueAt, string TaskId)>[] _shards =
        [.. Enumerable.Range(0, DueShards.Count).Select(_ => new SortedSet<(DateTimeOffset, string)>(_byTime))];

    public Task AddAsync(int shard, string taskId, DateTimeOffset dueAt, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_byTask.TryGetValue(taskId, out var old))
            {
                _shards[old.Shard].Remove((old.DueAt, taskId));
            }

            _byTask[taskId] = (shard, dueAt);
            _shards[shard].Add((dueAt, taskId));
        }

        return Task.CompletedTask;
    }

    public Task RemoveAsync(string taskId, DateTimeOffset dueAt, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_byTask.TryGetValue(taskId, out var entry) && entry.DueAt == dueAt)
            {
                _byTask.Remove(taskId);
                _shards[entry.Shard].Remove((entry.DueAt, taskId));
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DueEntry>> DueAsync(int shard, DateTimeOffset until, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<DueEntry> due = [.. _shards[shard].TakeWhile(e => e.DueAt <= until).Take(limit).Select(e => new DueEntry(e.TaskId, e.DueAt))];
            return Task.FromResult(due);
        }
    }

    public Task<DateTimeOffset?> EarliestAsync(int shard, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_shards[shard].Count > 0 ? _shards[shard].Min.DueAt : (DateTimeOffset?)null);
        }
    }
}
