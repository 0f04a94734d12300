namespace Tasker.Clients;

/// <summary>
/// Where client histories are kept: one small row per task rather than a whole list in a grain's state, so that
/// recording a line costs the same at the thousandth task as at the first (docs/adr/008). In memory in embedded
/// mode, a PostgreSQL table in cluster mode.
/// </summary>
public interface IHistoryStore
{
    /// <summary>Adds the task's line, or updates it when it is there. Trims the client's oldest lines beyond the cap.</summary>
    Task RecordAsync(string client, ClientTaskEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Removes a task's line.</summary>
    Task ForgetAsync(string client, string taskId, CancellationToken cancellationToken = default);

    /// <summary>A page of the client's history, newest first.</summary>
    Task<HistoryPage> QueryAsync(string client, HistoryQuery query, CancellationToken cancellationToken = default);
}
