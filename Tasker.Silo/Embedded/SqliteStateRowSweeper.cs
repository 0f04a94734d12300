using System.Globalization;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Tasker.Retention;

namespace Tasker.Silo.Embedded;

/// <summary>
/// The durable embedded mode's <see cref="IStateRowSweeper"/>: the same rows as <c>PostgresStateRowSweeper</c> leave
/// <c>tasker_grains</c> in the file (docs/adr/020): the cleared rows of expired tasks and their children, and, by age,
/// idempotency keys and cleared cache entries. One write transaction per call, as SQLite's single writer likes.
/// </summary>
public sealed class SqliteStateRowSweeper(SqliteDatabase database, IOptions<ClusterOptions> cluster) : IStateRowSweeper
{
    // Bounds the age-based delete, so that one transaction never holds the file's write lock for long.
    private const int MaxRowsByAge = 10_000;

    public Task<long> RemoveTasksAsync(IReadOnlyList<string> expiredTaskIds, CancellationToken cancellationToken)
    {
        if (expiredTaskIds.Count == 0)
        {
            return Task.FromResult(0L);
        }

        return database.WriteAsync((connection, transaction) =>
        {
            // A task's id is a GUID in its 32-digit form, keyed by its two halves; a child's id ({id}.k) is kept
            // whole in the key extension: the children of id are the range id. to id/.
            using var task = SqliteHistoryStore.Command(connection, transaction, """
                DELETE FROM tasker_grains
                 WHERE service_id = $service AND grain_type = 'task' AND grain_id_extension = ''
                   AND grain_id_n0 = $n0 AND grain_id_n1 = $n1 AND payload_binary IS NULL
                """);
            using var children = SqliteHistoryStore.Command(connection, transaction, """
                DELETE FROM tasker_grains
                 WHERE service_id = $service AND grain_type = 'task'
                   AND grain_id_extension > $id || '.' AND grain_id_extension < $id || '/' AND payload_binary IS NULL
                """);
            var removed = 0L;
            foreach (var id in expiredTaskIds)
            {
                var halves = Guid.ParseExact(id, "N").ToByteArray();
                SqliteHistoryStore.Bind(task, ("$service", cluster.Value.ServiceId), ("$n0", BitConverter.ToInt64(halves, 0)), ("$n1", BitConverter.ToInt64(halves, 8)));
                removed += task.ExecuteNonQuery();
                SqliteHistoryStore.Bind(children, ("$service", cluster.Value.ServiceId), ("$id", id));
                removed += children.ExecuteNonQuery();
            }

            return removed;
        }, cancellationToken);
    }

    public Task<long> RemoveAgedAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        database.WriteAsync<long>((connection, transaction) =>
        {
            // modified_on is the provider's ISO text in UTC, so text order is time order.
            using var command = SqliteHistoryStore.Command(connection, transaction, """
                DELETE FROM tasker_grains
                 WHERE (service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1) IN (
                    SELECT service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1 FROM tasker_grains
                     WHERE service_id = $service AND modified_on < $before
                       AND (grain_type = 'idempotency' OR (grain_type = 'cache' AND payload_binary IS NULL))
                     LIMIT $limit)
                """);
            SqliteHistoryStore.Bind(command,
                ("$service", cluster.Value.ServiceId),
                ("$before", before.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
                ("$limit", MaxRowsByAge));
            return command.ExecuteNonQuery();
        }, cancellationToken);
}
