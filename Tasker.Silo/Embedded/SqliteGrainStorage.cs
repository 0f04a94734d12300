using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Tasker.Silo.Cluster;

namespace Tasker.Silo.Embedded;

/// <summary>
/// The grain storage of the SQLite file (docs/adr/037): writes grouped on the file's one writer connection, reads the
/// provider's on a pooled connection, off the grain's turn (Microsoft.Data.Sqlite's "async" methods run synchronously).
/// </summary>
/// <remarks>
/// Through the provider, every write was its own transaction on its own connection, waiting for SQLite's write lock
/// beside the writer connection in a busy handler that backs off in sleeps of up to 100 ms.
/// </remarks>
public sealed class SqliteGrainStorage(IGrainStorage provider, SqliteDatabase database, string serviceId, IGrainStorageSerializer serializer,
    IActivatorProvider activators) : GroupedGrainStorage(provider, serviceId, serializer, activators)
{
    private string? _writeQuery;
    private string? _clearQuery;

    public override Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Task.Run(() => Inner.ReadStateAsync(stateName, grainId, grainState));

    protected override Task<IReadOnlyList<int?>> WriteAllAsync(IReadOnlyList<StateWrite> batch) =>
        database.WriteAsync<IReadOnlyList<int?>>((connection, transaction) =>
        {
            if (_writeQuery is null)
            {
                using var read = SqliteHistoryStore.Command(connection, transaction, "SELECT querytext FROM orleansquery WHERE querykey = $key");
                SqliteHistoryStore.Bind(read, ("$key", "ClearStorageKey"));
                _clearQuery = (string)read.ExecuteScalar()!;
                SqliteHistoryStore.Bind(read, ("$key", "WriteToStorageKey"));
                _writeQuery = (string)read.ExecuteScalar()!;
            }

            using var write = SqliteHistoryStore.Command(connection, transaction, _writeQuery);
            using var clear = SqliteHistoryStore.Command(connection, transaction, _clearQuery!);
            var versions = new int?[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var item = batch[i];
                var command = item.Payload is null ? clear : write;
                SqliteHistoryStore.Bind(command, ("@ServiceId", ServiceId), ("@GrainTypeString", item.StateName),
                    ("@GrainIdExtensionString", item.Extension), ("@GrainIdN0", item.N0), ("@GrainIdN1", item.N1),
                    ("@GrainStateVersion", item.Version));
                if (item.Payload is not null)
                {
                    SqliteHistoryStore.Bind(command, ("@PayloadBinary", item.Payload));
                }

                versions[i] = command.ExecuteScalar() is long stored ? (int)stored : null;
            }

            return versions;
        });
}
