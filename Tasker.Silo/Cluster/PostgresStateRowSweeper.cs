using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Tasker.Retention;

namespace Tasker.Silo.Cluster;

/// <summary>
/// Removes rows of <c>tasker_grains</c> that no grain needs any more (docs/adr/020): the cleared rows of expired tasks
/// and their children, and, by age, idempotency keys (written once, so their last write is their claim) and cleared
/// cache entries. Removing a cleared row restarts its version; an expired task's grain deactivated when it cleared,
/// so no holder of the old version is left.
/// </summary>
public sealed class PostgresStateRowSweeper(NpgsqlDataSource database, IOptions<ClusterOptions> cluster) : IStateRowSweeper
{
    // Bounds the age-based delete, so that one statement never holds many row locks for long; the next sweep goes on.
    private const int MaxRowsByAge = 10_000;

    public async Task<long> RemoveTasksAsync(IReadOnlyList<string> expiredTaskIds, CancellationToken cancellationToken)
    {
        if (expiredTaskIds.Count == 0)
        {
            return 0;
        }

        // A task's id is a GUID in its 32-digit form, which the provider keys by its two halves; a child's id
        // ({id}.k) is not, and is kept whole in the key extension: the children of id are the range id. to id/.
        var halves = expiredTaskIds.Select(id => Guid.ParseExact(id, "N").ToByteArray()).ToList();
        await using var command = database.CreateCommand("""
            WITH expired AS (
                SELECT * FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS e(id, n0, n1)
            ),
            tasks AS (
                DELETE FROM tasker_grains AS g USING expired AS e
                 WHERE g.service_id = $1 AND g.grain_type = 'task' AND g.grain_id_extension = ''
                   AND g.grain_id_n0 = e.n0 AND g.grain_id_n1 = e.n1 AND g.payload_binary IS NULL
                RETURNING 1
            ),
            children AS (
                DELETE FROM tasker_grains AS g USING expired AS e
                 WHERE g.service_id = $1 AND g.grain_type = 'task'
                   AND g.grain_id_extension > e.id || '.' AND g.grain_id_extension < e.id || '/' AND g.payload_binary IS NULL
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM tasks) + (SELECT count(*) FROM children)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. expiredTaskIds] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. halves.Select(h => BitConverter.ToInt64(h, 0))] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. halves.Select(h => BitConverter.ToInt64(h, 8))] });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> RemoveAgedAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        // Each is a range of the primary key (service, type); no index on modified_on, which every grain write updates.
        await using var command = database.CreateCommand("""
            WITH old AS (
                SELECT service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1 FROM tasker_grains
                 WHERE service_id = $1 AND modified_on < $2
                   AND (grain_type = 'idempotency' OR (grain_type = 'cache' AND payload_binary IS NULL))
                 LIMIT $3
            ),
            aged AS (
                DELETE FROM tasker_grains AS g USING old
                 WHERE (g.service_id, g.grain_type, g.grain_id_extension, g.grain_id_n0, g.grain_id_n1)
                     = (old.service_id, old.grain_type, old.grain_id_extension, old.grain_id_n0, old.grain_id_n1)
                   AND g.modified_on < $2
                RETURNING 1
            )
            SELECT count(*) FROM aged
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = before.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MaxRowsByAge });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
