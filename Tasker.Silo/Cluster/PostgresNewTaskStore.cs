using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;
using Orleans.Storage;
using Tasker.Tasks;

namespace Tasker.Silo.Cluster;

/// <summary>
/// New tasks' first writes in cluster mode (docs/adr/026): the rows that Orleans' ADO.NET grain storage would insert
/// for them (its table, key, serializer and version 1), written for many tasks at once by one statement
/// (<see cref="GroupCommit{TItem, TResult}"/>), instead of one statement and one commit each through the provider.
/// Every later read, write and clear of those rows is the provider's.
/// </summary>
public sealed class PostgresNewTaskStore : INewTaskStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _database;
    private readonly IOptions<ClusterOptions> _cluster;
    private readonly IGrainStorageSerializer _serializer;
    private readonly GroupCommit<NewTask, bool> _inserts;

    public PostgresNewTaskStore(NpgsqlDataSource database, IOptions<ClusterOptions> cluster, IOptionsMonitor<AdoNetGrainStorageOptions> storage)
    {
        _database = database;
        _cluster = cluster;
        _serializer = storage.Get(TaskerStorage.Name).GrainStorageSerializer;
        _inserts = new GroupCommit<NewTask, bool>(InsertAllAsync, maxBatch: 256);
    }

    public async Task InsertAsync(GrainId grainId, TaskState state)
    {
        var (extension, n0, n1) = ProviderKey(grainId);
        var payload = _serializer.Serialize(state).ToArray();
        if (!await _inserts.WriteAsync(new NewTask(extension, n0, n1, payload)))
        {
            throw new InconsistentStateException($"Task grain {grainId} has a stored state already: a first write does not overwrite it.");
        }
    }

    public ValueTask DisposeAsync() => _inserts.DisposeAsync();

    /// <summary>
    /// The provider's row key of a grain (its AdoGrainKey, internal to it): a GUID key's two halves, an integer key as
    /// the second half, each with its key extension; any other key as the extension alone. A stored row that the
    /// provider's read does not find would be a lost task: GrainStorageContractTests reads every kind back through it.
    /// </summary>
    internal static (string Extension, long N0, long N1) ProviderKey(GrainId grainId)
    {
        if (grainId.TryGetGuidKey(out var guid, out var extension))
        {
            Span<byte> bytes = stackalloc byte[16];
            guid.TryWriteBytes(bytes);
            return (extension ?? "", BitConverter.ToInt64(bytes[..8]), BitConverter.ToInt64(bytes[8..]));
        }

        return grainId.TryGetIntegerKey(out var integer, out extension)
            ? (extension ?? "", 0, integer)
            : (grainId.Key.ToString()!, 0, 0);
    }

    private async Task<IReadOnlyList<bool>> InsertAllAsync(IReadOnlyList<NewTask> batch)
    {
        // The first of a key in the batch is inserted, a repeat of it refused; rows go in key order, so that two silos'
        // batches take the key locks they share in the same order.
        var rows = batch.DistinctBy(t => t.Key).OrderBy(t => t.Key.Extension, StringComparer.Ordinal).ThenBy(t => t.Key.N0).ThenBy(t => t.Key.N1).ToList();
        await using var command = _database.CreateCommand("""
            INSERT INTO tasker_grains (service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1, payload_binary, version)
            SELECT $1, $2, extension, n0, n1, payload, 1
              FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::bytea[]) WITH ORDINALITY AS t(extension, n0, n1, payload, ord)
             ORDER BY ord
            ON CONFLICT DO NOTHING
            RETURNING grain_id_extension, grain_id_n0, grain_id_n1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = TaskGrain.StateName });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Key.Extension)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Key.N0)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Key.N1)] });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. rows.Select(r => r.Payload)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });

        var inserted = new HashSet<(string, long, long)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                inserted.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        // Each inserted key answers true once: to the first item that carried it.
        return [.. batch.Select(t => inserted.Remove(t.Key))];
    }

    private sealed record NewTask(string Extension, long N0, long N1, byte[] Payload)
    {
        public (string Extension, long N0, long N1) Key => (Extension, N0, N1);
    }
}
