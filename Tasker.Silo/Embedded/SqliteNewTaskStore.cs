using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using Tasker.Silo.Cluster;
using Tasker.Tasks;

namespace Tasker.Silo.Embedded;

/// <summary>
/// New tasks' first writes in the durable embedded mode (docs/adr/026): a batch in one transaction on the database's
/// one writer connection, the history's too, so that short tasks' state writes no longer wait on SQLite's write lock
/// beside it (a busy wait that backs off in sleeps of up to 100 ms). A scheduled task's due entry goes in the same
/// transaction, before its state.
/// </summary>
public sealed class SqliteNewTaskStore(SqliteDatabase database, IOptions<ClusterOptions> cluster, IOptionsMonitor<AdoNetGrainStorageOptions> storage)
    : GroupedNewTaskStore(cluster, storage)
{
    protected override Task<IReadOnlySet<(string Extension, long N0, long N1)>> InsertAllAsync(IReadOnlyList<NewTaskRow> rows) =>
        database.WriteAsync<IReadOnlySet<(string Extension, long N0, long N1)>>((connection, transaction) =>
        {
            SqliteDueStore.AddAll(connection, transaction, ServiceId, [.. rows.Where(r => r.Due is not null).Select(r => r.Due!.Value)]);
            using var insert = SqliteHistoryStore.Command(connection, transaction, """
                INSERT INTO tasker_grains
                    (service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1, payload_binary, version, modified_on)
                VALUES ($service, $type, $extension, $n0, $n1, $payload, 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                ON CONFLICT DO NOTHING
                """);
            var inserted = new HashSet<(string, long, long)>();
            foreach (var row in rows)
            {
                SqliteHistoryStore.Bind(insert, ("$service", ServiceId), ("$type", TaskGrain.StateName), ("$extension", row.Extension),
                    ("$n0", row.N0), ("$n1", row.N1), ("$payload", row.Payload));
                if (insert.ExecuteNonQuery() == 1)
                {
                    inserted.Add(row.Key);
                }
            }

            return inserted;
        });
}
