using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Tasker.Clients;

namespace Tasker.Silo.Cluster;

/// <summary>
/// The cluster's client histories: table <c>tasker_history</c>, a row per task keyed by (service, client, task id),
/// and <c>tasker_history_clients</c> counting each client's lines ever recorded. A listing across all clients is one
/// indexed query of the same table (docs/adr/017). Lines recorded at the same moment
/// are written by one statement (<see cref="GroupCommit{TItem, TResult}"/>).
/// </summary>
public sealed class PostgresHistoryStore(NpgsqlDataSource database, IOptions<ClusterOptions> cluster, IOptions<TaskerOptions> options)
    : GroupedHistoryStore(cluster, options)
{
    private readonly NpgsqlDataSource _database = database;

    protected override async Task RecordAllAsync(IReadOnlyList<HistoryLine> batch)
    {
        // A task's later line (its next phase) wins; rows go in key order, so that two silos' batches lock the
        // rows they share in the same order and cannot deadlock.
        var lines = batch
            .GroupBy(l => (l.Client, l.Entry.TaskId))
            .Select(g => g.Last())
            .OrderBy(l => l.Client, StringComparer.Ordinal)
            .ThenBy(l => l.Entry.TaskId, StringComparer.Ordinal)
            .ToList();
        await using var command = _database.CreateCommand("""
            WITH input AS (
                SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::smallint[], $6::boolean[], $7::timestamptz[], $8::timestamptz[],
                                    $9::bigint[], $10::bigint[], $11::smallint[])
                    WITH ORDINALITY AS t(client, task_id, type, phase, cached, created_at, finished_at,
                                         progress_done, progress_total, priority, ord)
            ),
            line AS (
                INSERT INTO tasker_history (service_id, client, task_id, type, phase, cached, created_at, finished_at,
                                            progress_done, progress_total, priority)
                SELECT $1, client, task_id, type, phase, cached, created_at, finished_at, progress_done, progress_total, priority
                  FROM input ORDER BY ord
                ON CONFLICT (service_id, client, task_id)
                DO UPDATE SET phase = EXCLUDED.phase, cached = EXCLUDED.cached, finished_at = EXCLUDED.finished_at,
                              progress_done = EXCLUDED.progress_done, progress_total = EXCLUDED.progress_total,
                              priority = EXCLUDED.priority
                 -- An end is never overwritten by an earlier phase that arrives late (another silo's older line).
                 WHERE tasker_history.phase NOT IN (3, 4, 5) OR EXCLUDED.phase IN (3, 4, 5)
                RETURNING client, (xmax = 0) AS added
            ),
            added AS (
                SELECT client, count(*) AS n FROM line WHERE added GROUP BY client
            ),
            ended AS (
                INSERT INTO tasker_ended (service_id, task_id, client, phase, finished_at)
                SELECT $1, task_id, client, phase, finished_at FROM input
                 WHERE phase IN (3, 4, 5) AND finished_at IS NOT NULL
                 ORDER BY task_id
                ON CONFLICT (service_id, task_id) DO NOTHING
            ),
            counted AS (
                INSERT INTO tasker_history_clients AS c (service_id, client, recorded)
                SELECT $1, client, n FROM added ORDER BY client COLLATE "C"
                ON CONFLICT (service_id, client) DO UPDATE SET recorded = c.recorded + EXCLUDED.recorded
                RETURNING client, recorded
            )
            SELECT counted.client, counted.recorded, added.n FROM counted JOIN added USING (client)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. lines.Select(l => l.Client)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. lines.Select(l => l.Entry.TaskId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. lines.Select(l => l.Entry.Type)] });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. lines.Select(l => (short)l.Entry.Phase)] });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. lines.Select(l => l.Entry.Cached)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. lines.Select(l => l.Entry.CreatedAt.ToUniversalTime())] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]>
        {
            TypedValue = [.. lines.Select(l => l.Entry.FinishedAt?.ToUniversalTime())],
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz,
        });
        command.Parameters.Add(new NpgsqlParameter<long?[]>
        {
            TypedValue = [.. lines.Select(l => l.Entry.Progress?.Done)],
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint,
        });
        command.Parameters.Add(new NpgsqlParameter<long?[]>
        {
            TypedValue = [.. lines.Select(l => l.Entry.Progress?.Total)],
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint,
        });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. lines.Select(l => (short)l.Entry.Priority)] });

        var toTrim = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var (recorded, added) = (reader.GetInt64(1), reader.GetInt64(2));
                if (PassedTrimMark(recorded - added, recorded))
                {
                    toTrim.Add(reader.GetString(0));
                }
            }
        }

        foreach (var client in toTrim)
        {
            await TrimAsync(client, CancellationToken.None);
        }
    }

    public override async Task ForgetAsync(string client, string taskId, CancellationToken cancellationToken = default)
    {
        await using var command = _database.CreateCommand("""
            WITH ended AS (DELETE FROM tasker_ended WHERE service_id = $1 AND task_id = $3)
            DELETE FROM tasker_history WHERE service_id = $1 AND client = $2 AND task_id = $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = client });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = taskId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task PostponeAsync(IReadOnlyList<EndedTask> tasks, CancellationToken cancellationToken = default)
    {
        if (tasks.Count == 0)
        {
            return;
        }

        // One statement for the batch: the ids and their new ends as two arrays, unnested side by side.
        await using var command = _database.CreateCommand("""
            UPDATE tasker_ended AS e SET finished_at = p.finished_at
              FROM unnest($2::text[], $3::timestamptz[]) AS p(task_id, finished_at)
             WHERE e.service_id = $1 AND e.task_id = p.task_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. tasks.Select(t => t.TaskId)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. tasks.Select(t => t.FinishedAt.ToUniversalTime())] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task<IReadOnlyList<EndedTask>> FindExpiredAsync(ExpiryQuery query, CancellationToken cancellationToken = default)
    {
        // One range read of tasker_ended_due per status, oldest end first. The cap on ended tasks is for memory
        // stores: a table keeps what its retention says.
        await using var command = _database.CreateCommand("""
            SELECT client, task_id, phase, finished_at FROM (
                (SELECT client, task_id, phase, finished_at FROM tasker_ended
                  WHERE service_id = $1 AND phase = 3 AND finished_at < $2 ORDER BY finished_at LIMIT $5)
                UNION ALL
                (SELECT client, task_id, phase, finished_at FROM tasker_ended
                  WHERE service_id = $1 AND phase = 4 AND finished_at < $3 ORDER BY finished_at LIMIT $5)
                UNION ALL
                (SELECT client, task_id, phase, finished_at FROM tasker_ended
                  WHERE service_id = $1 AND phase = 5 AND finished_at < $4 ORDER BY finished_at LIMIT $5)
            ) AS due
            ORDER BY finished_at
            LIMIT $5
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = query.SucceededBefore.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = query.FailedBefore.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = query.CancelledBefore.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit });

        var due = new List<EndedTask>(Math.Min(query.Limit, 1024));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new EndedTask(reader.GetString(0), reader.GetString(1), (TaskPhase)reader.GetInt16(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return due;
    }

    public override async Task<HistoryPage> QueryAsync(string client, HistoryQuery query, CancellationToken cancellationToken = default)
    {
        // One more row than asked tells whether there is a next page.
        await using var command = _database.CreateCommand("""
            SELECT task_id, type, phase, cached, created_at, finished_at, progress_done, progress_total, priority,
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
                entries.Add(ReadEntry(reader, 0));
                recorded = reader.IsDBNull(9) ? 0 : reader.GetInt64(9);
            }
        }

        if (entries.Count <= query.Limit)
        {
            return new HistoryPage(entries, null, recorded);
        }

        entries.RemoveAt(entries.Count - 1);
        return new HistoryPage(entries, entries[^1].TaskId, recorded);
    }

    public override async Task<ListingPage> QueryAllAsync(HistoryQuery query, CancellationToken cancellationToken = default)
    {
        // One range read of an index on (service, [phase or type,] task id), newest first; one more row than asked
        // tells whether there is a next page. Only the filters asked for are in the statement (fixed fragments, values
        // as parameters), so that even a generic plan can use the filter's index instead of filtering a scan.
        var conditions = new List<string> { "service_id = $1" };
        var parameters = new List<NpgsqlParameter> { new NpgsqlParameter<string> { TypedValue = Service } };
        if (query.Before is { } before)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = before });
            conditions.Add($"task_id < ${parameters.Count}");
        }

        if (query.Type is { } type)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
            conditions.Add($"type = ${parameters.Count}");
        }

        if (query.Phase is { } phase)
        {
            parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)phase });
            conditions.Add($"phase = ${parameters.Count}");
        }

        parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit + 1 });
        await using var command = _database.CreateCommand($"""
            SELECT client, task_id, type, phase, cached, created_at, finished_at, progress_done, progress_total, priority
              FROM tasker_history
             WHERE {string.Join(" AND ", conditions)}
             ORDER BY task_id DESC
             LIMIT ${parameters.Count}
            """);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        var items = new List<ListedTask>(query.Limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(new ListedTask(reader.GetString(0), ReadEntry(reader, 1)));
            }
        }

        if (items.Count <= query.Limit)
        {
            return new ListingPage(items, null);
        }

        items.RemoveAt(items.Count - 1);
        return new ListingPage(items, items[^1].Entry.TaskId);
    }

    /// <summary>A line from the columns task_id, type, phase, cached, created_at, finished_at, progress_done, progress_total, priority.</summary>
    private static ClientTaskEntry ReadEntry(NpgsqlDataReader reader, int at) => new(
        reader.GetString(at),
        reader.GetString(at + 1),
        (TaskPhase)reader.GetInt16(at + 2),
        reader.GetBoolean(at + 3),
        reader.GetFieldValue<DateTimeOffset>(at + 4),
        reader.IsDBNull(at + 5) ? null : reader.GetFieldValue<DateTimeOffset>(at + 5),
        reader.IsDBNull(at + 6) || reader.IsDBNull(at + 7) ? null : new TaskProgress(reader.GetInt64(at + 6), reader.GetInt64(at + 7)),
        (TaskPriority)reader.GetInt16(at + 8));

    private async Task TrimAsync(string client, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand("""
            DELETE FROM tasker_history
             WHERE service_id = $1 AND client = $2
               AND task_id < (SELECT task_id FROM tasker_history WHERE service_id = $1 AND client = $2
                               ORDER BY task_id DESC OFFSET $3 - 1 LIMIT 1)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = client });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MaxHistoryPerClient });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
