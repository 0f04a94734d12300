using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;
using Orleans.Storage;
using Tasker.Due;
using Tasker.Tasks;

namespace Tasker.Silo.Cluster;

/// <summary>New tasks' first writes in cluster mode (docs/adr/026): one statement for a batch, instead of one each through the provider.</summary>
public sealed class PostgresNewTaskStore(NpgsqlDataSource database, IDueStore due, IOptions<ClusterOptions> cluster, IOptionsMonitor<AdoNetGrainStorageOptions> storage)
    : GroupedNewTaskStore(cluster, storage)
{
    /// <summary>The due entry by the due store's own group commit, then the state: two statements, as before.</summary>
    public override async Task InsertScheduledAsync(GrainId grainId, TaskState state, int shard, DueEntry entry)
    {
        await due.AddAsync(shard, entry.TaskId, entry.DueAt);
        await InsertAsync(grainId, state);
    }

    protected override async Task<IReadOnlySet<(string Extension, long N0, long N1)>> InsertAllAsync(IReadOnlyList<NewTaskRow> rows)
    {
        await using var command = database.CreateCommand("""
            INSERT INTO tasker_grains (service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1, payload_binary, version)
            SELECT $1, $2, extension, n0, n1, payload, 1
              FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::bytea[]) WITH ORDINALITY AS t(extension, n0, n1, payload, ord)
             ORDER BY ord
            ON CONFLICT DO NOTHING
            RETURNING grain_id_extension, grain_id_n0, grain_id_n1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = TaskGrain.StateName });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Extension)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.N0)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.N1)] });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. rows.Select(r => r.Payload)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });

        var inserted = new HashSet<(string, long, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            inserted.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return inserted;
    }
}
