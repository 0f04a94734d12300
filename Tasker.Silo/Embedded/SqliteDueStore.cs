using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Tasker.Due;
using Tasker.Silo.Cluster;

namespace Tasker.Silo.Embedded;

/// <summary>The durable embedded mode's due entries (docs/adr/034), table <c>tasker_due</c> of the SQLite file.</summary>
public sealed class SqliteDueStore(SqliteDatabase database, IOptions<ClusterOptions> cluster) : GroupedDueStore(cluster)
{
    public override Task RemoveAsync(string taskId, DateTimeOffset dueAt, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) =>
        {
            using var command = SqliteHistoryStore.Command(connection, transaction,
                "DELETE FROM tasker_due WHERE service_id = $service AND task_id = $task AND due_at = $due");
            SqliteHistoryStore.Bind(command, ("$service", Service), ("$task", taskId), ("$due", dueAt.ToUnixTimeMilliseconds()));
            return command.ExecuteNonQuery();
        }, cancellationToken);

    public override Task<IReadOnlyList<DueEntry>> DueAsync(int shard, DateTimeOffset until, int limit, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<DueEntry>>(connection =>
        {
            using var command = SqliteHistoryStore.Command(connection, null, """
                SELECT task_id, due_at FROM tasker_due
                 WHERE service_id = $service AND shard = $shard AND due_at <= $until
                 ORDER BY due_at LIMIT $limit
                """);
            SqliteHistoryStore.Bind(command, ("$service", Service), ("$shard", shard), ("$until", until.ToUnixTimeMilliseconds()), ("$limit", limit));
            var due = new List<DueEntry>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                due.Add(new DueEntry(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
            }

            return due;
        }, cancellationToken);

    public override Task<DateTimeOffset?> EarliestAsync(int shard, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection =>
        {
            using var command = SqliteHistoryStore.Command(connection, null,
                "SELECT min(due_at) FROM tasker_due WHERE service_id = $service AND shard = $shard");
            SqliteHistoryStore.Bind(command, ("$service", Service), ("$shard", shard));
            return command.ExecuteScalar() is long earliest ? DateTimeOffset.FromUnixTimeMilliseconds(earliest) : (DateTimeOffset?)null;
        }, cancellationToken);

    protected override Task AddAllAsync(IReadOnlyList<(int Shard, DueEntry Entry)> batch) =>
        database.WriteAsync((connection, transaction) => AddAll(connection, transaction, Service, batch));

    /// <summary>Stores (or moves) <paramref name="batch"/>'s entries inside the writer's transaction.</summary>
    internal static int AddAll(SqliteConnection connection, SqliteTransaction transaction, string service, IReadOnlyList<(int Shard, DueEntry Entry)> batch)
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        using var command = SqliteHistoryStore.Command(connection, transaction, """
            INSERT INTO tasker_due (service_id, task_id, shard, due_at) VALUES ($service, $task, $shard, $due)
            ON CONFLICT (service_id, task_id) DO UPDATE SET shard = excluded.shard, due_at = excluded.due_at
            """);
        foreach (var (shard, entry) in batch)
        {
            SqliteHistoryStore.Bind(command, ("$service", service), ("$task", entry.TaskId), ("$shard", shard),
                ("$due", entry.DueAt.ToUnixTimeMilliseconds()));
            command.ExecuteNonQuery();
        }

        return batch.Count;
    }
}
