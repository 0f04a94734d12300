using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Tasker.Due;

namespace Tasker.Tasks;

/// <summary>
/// Stores a task that is made without its grain (a short task, docs/adr/009): its state's first write, which only
/// inserts. The grain reads it later through the grain storage like any state it wrote itself.
/// </summary>
public interface INewTaskStore
{
    /// <summary>
    /// Stores <paramref name="state"/> as version 1 of the task grain <paramref name="grainId"/>'s state. Throws
    /// <see cref="InconsistentStateException"/> when that grain has a stored state (or a cleared one) already: nothing
    /// is overwritten.
    /// </summary>
    Task InsertAsync(GrainId grainId, TaskState state);

    /// <summary>
    /// Stores a new task asked for later (docs/adr/034): its due entry in <paramref name="shard"/>, then its state as
    /// <see cref="InsertAsync"/> does, so that a stored scheduled task always has its entry.
    /// </summary>
    Task InsertScheduledAsync(GrainId grainId, TaskState state, int shard, DueEntry due);
}

/// <summary>The first write through the grain storage itself, a write without an ETag (every mode but the cluster's).</summary>
public sealed class GrainStorageNewTaskStore(IServiceProvider services) : INewTaskStore
{
    // Resolved when first used: the host registers the storage after Tasker's grains.
    private readonly Lazy<IGrainStorage> _storage = new(() => services.GetRequiredKeyedService<IGrainStorage>(TaskerStorage.Name));

    private readonly Lazy<IDueStore> _due = new(services.GetRequiredService<IDueStore>);

    public Task InsertAsync(GrainId grainId, TaskState state) =>
        _storage.Value.WriteStateAsync(TaskGrain.StateName, grainId, new GrainState<TaskState>(state));

    public async Task InsertScheduledAsync(GrainId grainId, TaskState state, int shard, DueEntry due)
    {
        await _due.Value.AddAsync(shard, due.TaskId, due.DueAt);
        await InsertAsync(grainId, state);
    }
}
