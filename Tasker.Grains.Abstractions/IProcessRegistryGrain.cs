namespace Tasker;

/// <summary>The status of every task type (process). Single instance, key 0.</summary>
[Alias("tasker.IProcessRegistryGrain")]
public interface IProcessRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>The status of every known type; types never set are active.</summary>
    [Alias("GetTable")]
    Task<ProcessTable> GetTableAsync();

    /// <summary>Sets a type's status with a reason; returns the new table.</summary>
    [Alias("SetStatus")]
    Task<ProcessTable> SetStatusAsync(string type, ProcessStatus status, string? reason);

    /// <summary>Sets several types' statuses in one write, all or none; returns the new table.</summary>
    [Alias("SetStatuses")]
    Task<ProcessTable> SetStatusesAsync(Dictionary<string, ProcessStatus> statuses, string? reason);

    /// <summary>Sets a type's status only while it is <paramref name="expected"/> (Tasker's own alarms never override a person's choice).</summary>
    [Alias("ChangeStatus")]
    Task<bool> ChangeStatusAsync(string type, ProcessStatus expected, ProcessStatus status, string? reason);
}
