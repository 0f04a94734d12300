namespace Tasker.Clients;

/// <summary>
/// Where client histories are kept: one small row per task rather than a whole list in a grain's state, so that
/// recording a line costs the same at the thousandth task as at the first (docs/adr/008). In memory in embedded
/// mode, a PostgreSQL table in cluster mode. Both keep one index across all clients too, so that a listing of every
/// client's tasks is one query, not one per client (docs/adr/017).
/// </summary>
public interface IHistoryStore
{
    /// <summary>Adds the task's line, or updates it when it is there. Trims the client's oldest lines beyond the cap.</summary>
    Task RecordAsync(string client, ClientTaskEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Removes a task's line, and its entry among the ended tasks (<see cref="FindExpiredAsync"/>).</summary>
    Task ForgetAsync(string client, string taskId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ended tasks due to expire (docs/adr/020), oldest end first, at most <see cref="ExpiryQuery.Limit"/>: those that
    /// ended before the cut-off of their status, and, in a store that keeps everything in memory, the oldest beyond
    /// <see cref="ExpiryQuery.MaxEnded"/>. A line trimmed from its client's history is still found here (the store
    /// keeps a task's end until <see cref="ForgetAsync"/>), so no task outlives its retention for being trimmed.
    /// </summary>
    Task<IReadOnlyList<EndedTask>> FindExpiredAsync(ExpiryQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves each task's end, as <see cref="FindExpiredAsync"/> counts it (not its history line), to the
    /// <see cref="EndedTask.FinishedAt"/> given, so that it is found again only once that has expired: a task kept past
    /// its retention (a task that runs after it has not ended) leaves the head of the list to younger ones meanwhile.
    /// A task forgotten in between stays forgotten.
    /// </summary>
    Task PostponeAsync(IReadOnlyList<EndedTask> tasks, CancellationToken cancellationToken = default);

    /// <summary>A page of the client's history, newest first.</summary>
    Task<HistoryPage> QueryAsync(string client, HistoryQuery query, CancellationToken cancellationToken = default);

    /// <summary>A page of every client's history merged, newest first, with the same filters and cursor.</summary>
    Task<ListingPage> QueryAllAsync(HistoryQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Which ended tasks have expired: the end before which each status expires, and how many ended tasks a memory store keeps.</summary>
public sealed record ExpiryQuery(
    DateTimeOffset SucceededBefore, DateTimeOffset FailedBefore, DateTimeOffset CancelledBefore, int MaxEnded, int Limit)
{
    /// <summary>The end before which a task that ended in <paramref name="phase"/> has expired.</summary>
    public DateTimeOffset Before(TaskPhase phase) => phase switch
    {
        TaskPhase.Succeeded => SucceededBefore,
        TaskPhase.Failed => FailedBefore,
        TaskPhase.Cancelled => CancelledBefore,
        _ => DateTimeOffset.MinValue,
    };
}

/// <summary>A task that has ended, as the retention sweep sees it.</summary>
public sealed record EndedTask(string Client, string TaskId, TaskPhase Phase, DateTimeOffset FinishedAt);

/// <summary>A history line with the client it belongs to.</summary>
public sealed record ListedTask(string Client, ClientTaskEntry Entry);

/// <summary>A page across all clients, newest first; <see cref="Next"/> is the cursor of the next page, null at the end.</summary>
public sealed record ListingPage(IReadOnlyList<ListedTask> Items, string? Next);
