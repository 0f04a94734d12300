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

    /// <summary>Removes a task's line.</summary>
    Task ForgetAsync(string client, string taskId, CancellationToken cancellationToken = default);

    /// <summary>A page of the client's history, newest first.</summary>
    Task<HistoryPage> QueryAsync(string client, HistoryQuery query, CancellationToken cancellationToken = default);

    /// <summary>A page of every client's history merged, newest first, with the same filters and cursor.</summary>
    Task<ListingPage> QueryAllAsync(HistoryQuery query, CancellationToken cancellationToken = default);
}

/// <summary>A history line with the client it belongs to.</summary>
public sealed record ListedTask(string Client, ClientTaskEntry Entry);

/// <summary>A page across all clients, newest first; <see cref="Next"/> is the cursor of the next page, null at the end.</summary>
public sealed record ListingPage(IReadOnlyList<ListedTask> Items, string? Next);
