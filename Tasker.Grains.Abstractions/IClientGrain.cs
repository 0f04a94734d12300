namespace Tasker;

/// <summary>
/// The way to one client's request history, keyed by the client name. The grain keeps no state: it is the isolation
/// check in front of the history store, which keeps the lines, a row per task, newest first, bounded per client
/// (docs/adr/001, 008).
/// </summary>
[Alias("tasker.IClientGrain")]
public interface IClientGrain : IGrainWithStringKey
{
    /// <summary>Adds a task to the history, or updates its line when it is already there.</summary>
    [Alias("Record")]
    Task RecordAsync(ClientTaskEntry entry);

    /// <summary>Removes a task's line (the task was deleted).</summary>
    [Alias("Forget")]
    Task ForgetAsync(string taskId);

    /// <summary>A page of the history, newest first.</summary>
    [Alias("Query")]
    Task<HistoryPage> QueryAsync(HistoryQuery query);
}
