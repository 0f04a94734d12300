using Tasker.Handlers;
using Tasker.Storage;

namespace Tasker.Processes;

/// <summary>The persisted status of every task type that was ever set.</summary>
[GenerateSerializer, Alias("tasker.ProcessRegistryState")]
public sealed class ProcessRegistryState
{
    [Id(0)] public Dictionary<string, ProcessRecord> Entries { get; set; } = [];
    [Id(1)] public long Version { get; set; }
}

/// <summary>
/// One task type's stored status: the grain's own type, not the wire contract <see cref="ProcessEntry"/>, so that the
/// contract can change without touching stored data. Its field ids are those <see cref="ProcessEntry"/> was stored with.
/// </summary>
[GenerateSerializer, Alias("tasker.ProcessRecord")]
public sealed record ProcessRecord(
    [property: Id(0)] string Type,
    [property: Id(1)] ProcessStatus Status,
    [property: Id(2)] string? Reason,
    [property: Id(3)] DateTimeOffset? Since)
{
    public ProcessEntry ToEntry() => new(Type, Status, Reason, Since);
}

/// <summary>
/// The status of each task type. Read rarely: each silo's front end caches the table for a short time
/// and checks submissions against its copy, so this grain is never on the path of every request.
/// </summary>
public sealed class ProcessRegistryGrain(
    [PersistentState("processes", TaskerStorage.Name)] IPersistentState<ProcessRegistryState> state,
    TaskHandlerRegistry handlers,
    TimeProvider clock) : Grain, IProcessRegistryGrain
{
    public Task<ProcessTable> GetTableAsync() => Task.FromResult(Table());

    public Task<ProcessTable> SetStatusAsync(string type, ProcessStatus status, string? reason) =>
        SetStatusesAsync(new Dictionary<string, ProcessStatus> { [type] = status }, reason);

    public async Task<ProcessTable> SetStatusesAsync(Dictionary<string, ProcessStatus> statuses, string? reason)
    {
        if (statuses.Keys.FirstOrDefault(type => !handlers.TryGet(type, out _)) is { } unknown)
        {
            throw new ArgumentException($"Unknown task type '{unknown}'.", nameof(statuses));
        }

        var now = clock.GetUtcNow();
        foreach (var (type, status) in statuses)
        {
            state.State.Entries[type] = new ProcessRecord(type, status, reason, now);
        }

        state.State.Version++;
        await state.WriteOrDropAsync(this); // Memory must not keep a status that storage never saw.

        return Table();
    }

    public async Task<bool> ChangeStatusAsync(string type, ProcessStatus expected, ProcessStatus status, string? reason)
    {
        var current = state.State.Entries.TryGetValue(type, out var entry) ? entry.Status : ProcessStatus.Active;
        if (current != expected)
        {
            return false;
        }

        await SetStatusAsync(type, status, reason);
        return true;
    }

    private ProcessTable Table() => new(
        [.. handlers.Types.Select(type => state.State.Entries.TryGetValue(type, out var entry)
            ? entry.ToEntry()
            : new ProcessEntry(type, ProcessStatus.Active, null, null))],
        state.State.Version);
}
