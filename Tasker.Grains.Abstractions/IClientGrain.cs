namespace Tasker;

/// <summary>One client's request history, newest first, bounded. Keyed by the client name.</summary>
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

/// <summary>The names of the clients that have submitted tasks, bounded. Single instance, key 0.</summary>
[Alias("tasker.IClientDirectoryGrain")]
public interface IClientDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a client name (once per client, when its history starts).</summary>
    [Alias("Register")]
    Task RegisterAsync(string client);

    /// <summary>The known client names, in the order they were first seen.</summary>
    [Alias("List")]
    Task<IReadOnlyList<string>> ListAsync();
}
