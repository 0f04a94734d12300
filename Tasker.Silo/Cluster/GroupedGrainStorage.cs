using System.Globalization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Tasker.Silo.Cluster;

/// <summary>
/// Orleans' ADO.NET grain storage with its writes and clears grouped (docs/adr/037): the writes that arrive while a
/// transaction is on its way go together in the next, each by the provider's own statement (as the schema stored it in
/// <c>orleansquery</c>, so the version fence is the provider's), and each caller learns its own outcome. Reads are the
/// provider's. Each database runs a batch its own way (<see cref="WriteAllAsync"/>).
/// </summary>
public abstract class GroupedGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly GroupCommit<StateWrite, int?> _writes;

    protected GroupedGrainStorage(IGrainStorage provider, string serviceId, IGrainStorageSerializer serializer, IActivatorProvider activators)
    {
        Inner = provider;
        ServiceId = serviceId;
        _serializer = serializer;
        _activators = activators;
        _writes = new GroupCommit<StateWrite, int?>(batch => WriteAllAsync([.. batch]), MaxBatch);
    }

    /// <summary>The provider this groups the writes of; it reads, and answers the contract tests.</summary>
    public IGrainStorage Inner { get; }

    /// <summary>The provider's service id, part of every row's key.</summary>
    protected string ServiceId { get; }

    public virtual Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = _serializer.Serialize(grainState.State).ToArray();
        var version = await _writes.WriteAsync(Write(stateName, grainId, grainState.ETag, payload))
            ?? throw Conflict("WriteState", stateName, grainId, grainState.ETag);
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (!grainState.RecordExists)
        {
            // As the provider does: a state never read is read first, and one that was never stored is cleared already.
            await ReadStateAsync(stateName, grainId, grainState);
            if (!grainState.RecordExists)
            {
                return;
            }
        }

        var version = await _writes.WriteAsync(Write(stateName, grainId, grainState.ETag, payload: null))
            ?? throw Conflict("ClearState", stateName, grainId, grainState.ETag);
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = false;
        grainState.State = _activators.GetActivator<T>().Create();
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        if (Inner is ILifecycleParticipant<ISiloLifecycle> participant)
        {
            participant.Participate(lifecycle);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writes.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Runs each write by the provider's statement, in order, in one transaction: a later write of the same grain in
    /// the batch meets the version the earlier one left, as it would have one transaction later. Answers each write's
    /// new version, or null where the holder's version was not the stored one. A failure fails the whole batch.
    /// </summary>
    protected abstract Task<IReadOnlyList<int?>> WriteAllAsync(IReadOnlyList<StateWrite> batch);

    private StateWrite Write(string stateName, GrainId grainId, string? etag, byte[]? payload)
    {
        var (extension, n0, n1) = GroupedNewTaskStore.ProviderKey(grainId);
        int? version = string.IsNullOrWhiteSpace(etag) ? null : int.Parse(etag, CultureInfo.InvariantCulture);
        return new StateWrite(stateName, extension, n0, n1, version, payload);
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? etag) =>
        new($"Version conflict ({operation}): ServiceId={ServiceId} GrainType={stateName} GrainId={grainId} ETag={etag}.");
}

/// <summary>One write (a payload) or clear (none) of a grain's state, under the version its holder read (none: a first write).</summary>
public sealed record StateWrite(string StateName, string Extension, long N0, long N1, int? Version, byte[]? Payload);
