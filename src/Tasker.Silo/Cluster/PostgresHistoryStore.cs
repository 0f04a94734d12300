using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Tasker.Clients;

namespace Tasker.Silo.Cluster;

/// <summary>
/// The cluster's client histories: table <c>tasker_history</c>, a row per task keyed by (service, client, task id),
/// and <c>tasker_history_clients</c> counting each client's lines ever recorded. Recording is one statement.
/// </summary>
public sealed class PostgresHistoryStore(NpgsqlDataSource database, IOptions<ClusterOptions> cluster, IOptions<TaskerOptions> options) : IHistoryStore
{
    // Trimming is a range delete; doing it on every hundredth new line keeps it off most requests.
    private const int TrimEvery = 100;

    private string Service => cluster.Value.ServiceId;

    public async Task RecordAsync(string client, ClientTaskEntry entry, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("""
            WITH line AS (
                INSERT INTO tasker_history (service_id, client, task_id, type, phase, cached, created_at, finished_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (service_id, client, task_id)
                DO UPDATE SET phase = EXCLUDED.phase, cached = EXCLUDED.cached, finished_at = EXCLUDED.finished_at
                RETURNING (xmax = 0) AS added
            )
            INSERT INTO tasker_history_clients AS c (service_id, client, recorded)
            SELECT $1, $2, 1 FROM line WHERE added
            ON CONFLICT (service_id, client) DO UPDATE SET recorded = c.recorded + 1
            RETURNING recorded
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = client });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.TaskId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.Type });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)entry.Phase });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = entry.Cached });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = entry.CreatedAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.FinishedAt?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        if (await command.ExecuteScalarAsync(cancellationToken) is long recorded && recorded % TrimEvery == 0)
        {
            await TrimAsync(client, cancellationToken);
        }
    }

    public async Task ForgetAsync(string client, string taskId, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("DELETE FROM tasker_history WHERE service_id = $1 AND client = $2 AND task_id = $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = client });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = taskId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<HistoryPage> QueryAsync(string client, HistoryQuery query, CancellationToken cancellationToken = default)
    {
        // One more row than asked tells whether there is a next page.
        await using var command = database.CreateCommand("""
            SELECT task_id, type, phase, cached, created_at, finished_at,
                   (SELECT recorded FROM tasker_history_clients WHERE service_id = $1 AND client = $2)
              FROM tasker_history
             WHERE service_id = $1 AND client = $2
               AND ($3::text IS NULL OR task_id < $3)
               AND ($4::text IS NULL OR type = $4)
               AND ($5::smallint IS NULL OR phase = $5)
             ORDER BY task_id DESC
             LIMIT $6
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = client });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Type ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = query.Phase is { } phase ? (short)phase : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit + 1 });

        var entries = new List<ClientTaskEntry>(query.Limit + 1);
        long recorded = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add(new ClientTaskEntry(
                    reader.GetString(0),
                    reader.GetString(1),
                    (TaskPhase)reader.GetInt16(2),
                    reader.GetBoolean(3),
                    reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
                recorded = reader.IsDBNull(6) ? 0 : reader.GetInt64(6);
            }
        }

        if (entries.Count <= query.Limit)
        {
            return new HistoryPage(entries, null, recorded);
        }

        entries.RemoveAt(entries.Count - 1);
        return new HistoryPage(entries, entries[^1].TaskId, recorded);
    }

    private async Task TrimAsync(string client, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            DELETE FROM tasker_history
             WHERE service_id = $1 AND client = $2
               AND task_id < (SELECT task_id FROM tasker_history WHERE service_id = $1 AND client = $2
                               ORDER BY task_id DESC OFFSET $3 - 1 LIMIT 1)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = client });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.Value.MaxHistoryPerClient });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
