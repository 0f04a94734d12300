namespace Tasker.Due;

/// <summary>A task waiting for a time: which task, and when.</summary>
public readonly record struct DueEntry(string TaskId, DateTimeOffset DueAt);

/// <summary>
/// Where the times tasks wait for are kept (docs/adr/034): the truth the due shards read, a row per waiting task, so that a
/// million of them cost storage, not memory. One entry per task: adding again replaces its time.
/// </summary>
public interface IDueStore
{
    /// <summary>Stores (or moves) <paramref name="taskId"/>'s entry in <paramref name="shard"/>.</summary>
    Task AddAsync(int shard, string taskId, DateTimeOffset dueAt, CancellationToken cancellationToken = default);

    /// <summary>Removes the task's entry if it is still the one due at <paramref name="dueAt"/> (a moved entry stays).</summary>
    Task RemoveAsync(string taskId, DateTimeOffset dueAt, CancellationToken cancellationToken = default);

    /// <summary>The shard's entries due at or before <paramref name="until"/>, earliest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<DueEntry>> DueAsync(int shard, DateTimeOffset until, int limit, CancellationToken cancellationToken = default);

    /// <summary>The shard's earliest due time, or null when nothing waits.</summary>
    Task<DateTimeOffset?> EarliestAsync(int shard, CancellationToken cancellationToken = default);
}
