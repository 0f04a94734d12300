using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Tasker.Silo.Cluster;

namespace Tasker.Silo.Embedded;

/// <summary>
/// Orleans' ADO.NET grain storage on the SQLite file, with its writes and clears grouped on the file's one writer
/// connection (docs/adr/037): the writes that arrive while a transaction is on its way go together in the next, each
/// by the provider's own statement (read from <c>orleansquery</c>, so the version fence is the provider's), and each
/// caller learns its own outcome. Reads are the provider's, on a pooled connection, off the grain's turn
/// (Microsoft.Data.Sqlite's "async" methods run synchronously).
/// </summary>
/// <remarks>
/// Through the provider, every write was its own transaction on its own connection, waiting for SQLite's write lock
/// beside the writer connection in a busy handler that backs off in sleeps of up to 100 ms: ten thousand schedules due
/// at one moment (three writes each) timed out.
/// </remarks>
public sealed class SqliteGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly string _serviceId;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly GroupCommit<StateWrite, int?> _writes;
    private string? _writeQuery;
    private string? _clearQuery;

    public SqliteGrainStorage(IGrainStorage provider, SqliteDatabase database, string serviceId, IGrainStorageSerializer serializer,
        IActivatorProvider activators)
    {
        Inner = provider;
        _serviceId = serviceId;
        _serializer = serializer;
        _activators = activators;
        _writes = new GroupCommit<StateWrite, int?>(
            batch => database.WriteAsync<IReadOnlyList<int?>>((connection, transaction) => WriteAll(connection, transaction, batch)), MaxBatch);
    }

    /// <summary>The provider this groups the writes of; it reads, and answers the contract tests.</summary>
    public IGrainStorage Inner { get; }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Task.Run(() => Inner.ReadStateAsync(stateName, grainId, grainState));

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
    }

    private StateWrite Write(string stateName, GrainId grainId, string? etag, byte[]? payload)
    {
        var (extension, n0, n1) = GroupedNewTaskStore.ProviderKey(grainId);
        int? version = string.IsNullOrWhiteSpace(etag) ? null : int.Parse(etag, CultureInfo.InvariantCulture);
        return new StateWrite(stateName, extension, n0, n1, version, payload);
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? etag) =>
        new($"Version conflict ({operation}): ServiceId={_serviceId} GrainType={stateName} GrainId={grainId} ETag={etag}.");

    /// <summary>
    /// Runs each write by the provider's statement, in order, inside the caller's one transaction: a later write of the
    /// same grain in the batch meets the version the earlier one left, as it would have one transaction later. Answers
    /// each write's new version, or null where the holder's version was not the stored one.
    /// </summary>
    private IReadOnlyList<int?> WriteAll(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<StateWrite> batch)
    {
        LoadQueries(connection, transaction);
        using var write = SqliteHistoryStore.Command(connection, transaction, _writeQuery!);
        using var clear = SqliteHistoryStore.Command(connection, transaction, _clearQuery!);
        var versions = new int?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var item = batch[i];
            var command = item.Payload is null ? clear : write;
            SqliteHistoryStore.Bind(command, ("@ServiceId", _serviceId), ("@GrainTypeString", item.StateName),
                ("@GrainIdExtensionString", item.Extension), ("@GrainIdN0", item.N0), ("@GrainIdN1", item.N1),
                ("@GrainStateVersion", item.Version));
            if (item.Payload is not null)
            {
                SqliteHistoryStore.Bind(command, ("@PayloadBinary", item.Payload));
            }

            versions[i] = command.ExecuteScalar() is long stored ? (int)stored : null;
        }

        return versions;
    }

    /// <summary>The provider's write and clear statements, as the schema stored them for it (read once).</summary>
    private void LoadQueries(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (_writeQuery is not null)
        {
            return;
        }

        using var read = SqliteHistoryStore.Command(connection, transaction, "SELECT querytext FROM orleansquery WHERE querykey = $key");
        SqliteHistoryStore.Bind(read, ("$key", "ClearStorageKey"));
        _clearQuery = (string)read.ExecuteScalar()!;
        SqliteHistoryStore.Bind(read, ("$key", "WriteToStorageKey"));
        _writeQuery = (string)read.ExecuteScalar()!;
    }

    /// <summary>One write (a payload) or clear (none) of a grain's state, under the version its holder read.</summary>
    private sealed record StateWrite(string StateName, string Extension, long N0, long N1, int? Version, byte[]? Payload);
}
