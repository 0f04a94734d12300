using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace Tasker.Storage;

/// <summary>
/// Grain state kept in this process's memory: embedded mode's memory storage (docs/adr/025). Orleans' memory storage
/// keeps states in storage grains, so every read and write of every task was one more grain call (a message, a turn);
/// here it is a dictionary operation and the Orleans serializer. Stored as bytes, not as a copy of the object: a grain's
/// later changes never reach the stored state, and a hundred thousand kept tasks are as many arrays for the garbage
/// collector to step over, not as many object graphs to trace.
/// </summary>
/// <remarks>
/// ETags as in every Tasker storage: a write without an ETag only inserts, a write or clear with an ETag succeeds only
/// when it matches, otherwise <see cref="InconsistentStateException"/>. A cleared state is removed, not kept as a
/// tombstone, so expired tasks leave nothing behind.
/// </remarks>
public sealed class InProcessGrainStorage(Serializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string StateName, GrainId GrainId), Stored> _states = new();
    private long _lastETag;

    /// <summary>States held now (for tests and metrics).</summary>
    public int Count => _states.Count;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_states.TryGetValue((stateName, grainId), out var stored))
        {
            grainState.State = serializer.Deserialize<T>(stored.State);
            grainState.ETag = stored.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (stateName, grainId);
        var written = new Stored(serializer.SerializeToArray(grainState.State), NewETag());
        var expected = grainState.ETag;
        if (expected is null)
        {
            if (!_states.TryAdd(key, written))
            {
                throw Mismatch(stateName, grainId, "a write without an ETag found a stored state");
            }
        }
        else if (!_states.TryGetValue(key, out var current) || current.ETag != expected || !_states.TryUpdate(key, written, current))
        {
            throw Mismatch(stateName, grainId, "the stored state changed since it was read");
        }

        grainState.ETag = written.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (stateName, grainId);
        if (_states.TryGetValue(key, out var current))
        {
            if (current.ETag != grainState.ETag || !_states.TryRemove(new KeyValuePair<(string, GrainId), Stored>(key, current)))
            {
                throw Mismatch(stateName, grainId, "the stored state changed since it was read");
            }
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private string NewETag() => Interlocked.Increment(ref _lastETag).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static InconsistentStateException Mismatch(string stateName, GrainId grainId, string why) =>
        new($"State {stateName} of {grainId}: {why}.");

    private sealed record Stored(byte[] State, string ETag);
}

/// <summary>Registers <see cref="InProcessGrainStorage"/> as Tasker's storage.</summary>
public static class InProcessGrainStorageExtensions
{
    public static ISiloBuilder AddTaskerInProcessStorage(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<InProcessGrainStorage>();
        silo.Services.AddKeyedSingleton<IGrainStorage>(TaskerStorage.Name, (services, _) => services.GetRequiredService<InProcessGrainStorage>());
        return silo;
    }
}
