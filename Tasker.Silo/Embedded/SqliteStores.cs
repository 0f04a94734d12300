using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Tasker.Clients;
using Tasker.Records;
using Tasker.Silo.Cluster;

namespace Tasker.Silo.Embedded;

/// <summary>
/// The durable embedded mode's client histories, in the tables of the PostgreSQL store (docs/adr/008, 017) in SQLite.
/// Lines recorded at the same moment are written in one transaction (<see cref="GroupCommit{TItem, TResult}"/>), the
/// way SQLite likes its single writer. The same transaction keeps <c>tasker_unfinished</c>, the tasks to wake at
/// start-up (docs/adr/019).
/// </summary>
public sealed class SqliteHistoryStore(SqliteDatabase database, IOptions<ClusterOptions> cluster, IOptions<TaskerOptions> options)
    : GroupedHistoryStore(cluster, options)
{
    private readonly SqliteDatabase _database = database;

    protected override Task RecordAllAsync(IReadOnlyList<HistoryLine> batch) => _database.WriteAsync((connection, transaction) =>
    {
        using var line = Command(connection, transaction, """
            INSERT INTO tasker_history (service_id, client, task_id, type, phase, cached, created_at, finished_at,
                                        progress_done, progress_total, priority)
            VALUES ($service, $client, $task, $type, $phase, $cached, $created, $finished, $done, $total, $priority)
            ON CONFLICT (service_id, client, task_id)
            DO UPDATE SET phase = excluded.phase, cached = excluded.cached, finished_at = excluded.finished_at,
                          progress_done = excluded.progress_done, progress_total = excluded.progress_total,
                          priority = excluded.priority
             -- An end is never overwritten by an earlier phase that arrives late.
             WHERE tasker_history.phase NOT IN (3, 4, 5) OR excluded.phase IN (3, 4, 5)
            """);
        using var isNew = Command(connection, transaction,
            "SELECT NOT EXISTS (SELECT 1 FROM tasker_history WHERE service_id = $service AND client = $client AND task_id = $task)");
        using var count = Command(connection, transaction, """
            INSERT INTO tasker_history_clients (service_id, client, recorded) VALUES ($service, $client, 1)
            ON CONFLICT (service_id, client) DO UPDATE SET recorded = recorded + 1
            RETURNING recorded
            """);
        using var unfinished = Command(connection, transaction,
            """
            INSERT INTO tasker_unfinished (service_id, task_id, client)
            SELECT $service, $task, $client
             WHERE NOT EXISTS (SELECT 1 FROM tasker_ended WHERE service_id = $service AND task_id = $task)
            ON CONFLICT DO NOTHING
            """);
        using var finished = Command(connection, transaction, "DELETE FROM tasker_unfinished WHERE service_id = $service AND task_id = $task");
        using var ended = Command(connection, transaction, """
            INSERT INTO tasker_ended (service_id, task_id, client, phase, finished_at)
            VALUES ($service, $task, $client, $phase, $finished) ON CONFLICT DO NOTHING
            """);
        var toTrim = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (client, entry) in batch)
        {
            Bind(isNew, ("$service", Service), ("$client", client), ("$task", entry.TaskId));
            var added = Convert.ToInt64(isNew.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
            Bind(line,
                ("$service", Service), ("$client", client), ("$task", entry.TaskId), ("$type", entry.Type), ("$phase", (int)entry.Phase),
                ("$cached", entry.Cached), ("$created", entry.CreatedAt.ToUnixTimeMilliseconds()),
                ("$finished", entry.FinishedAt?.ToUnixTimeMilliseconds()), ("$done", entry.Progress?.Done),
                ("$total", entry.Progress?.Total), ("$priority", (int)entry.Priority));
            line.ExecuteNonQuery();
            // A scheduled task is not woken at start-up: its due shard starts it at its time (docs/adr/034); a waiting one, its parents.
            var wake = entry.Phase.IsFinal() || entry.Phase is TaskPhase.Scheduled or TaskPhase.Waiting ? finished : unfinished;
            Bind(wake, ("$service", Service), ("$task", entry.TaskId), ("$client", client));
            wake.ExecuteNonQuery();
            if (entry.Phase.IsFinal() && entry.FinishedAt is { } finishedAt)
            {
                Bind(ended, ("$service", Service), ("$task", entry.TaskId), ("$client", client), ("$phase", (int)entry.Phase),
                    ("$finished", finishedAt.ToUnixTimeMilliseconds()));
                ended.ExecuteNonQuery();
            }

            if (added)
            {
                Bind(count, ("$service", Service), ("$client", client));
                var recorded = Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture);
                if (PassedTrimMark(recorded - 1, recorded))
                {
                    toTrim.Add(client);
                }
            }
        }

        using var trim = Command(connection, transaction, """
            DELETE FROM tasker_history
             WHERE service_id = $service AND client = $client
               AND task_id < (SELECT task_id FROM tasker_history WHERE service_id = $service AND client = $client
                               ORDER BY task_id DESC LIMIT 1 OFFSET $cap - 1)
            """);
        foreach (var client in toTrim)
        {
            Bind(trim, ("$service", Service), ("$client", client), ("$cap", MaxHistoryPerClient));
            trim.ExecuteNonQuery();
        }

        return toTrim.Count;
    });

    public override Task ForgetAsync(string client, string taskId, CancellationToken cancellationToken = default) =>
        _database.WriteAsync((connection, transaction) =>
        {
            using var command = Command(connection, transaction, """
                DELETE FROM tasker_history WHERE service_id = $service AND client = $client AND task_id = $task;
                DELETE FROM tasker_unfinished WHERE service_id = $service AND task_id = $task;
                DELETE FROM tasker_ended WHERE service_id = $service AND task_id = $task;
                """);
            Bind(command, ("$service", Service), ("$client", client), ("$task", taskId));
            return command.ExecuteNonQuery();
        }, cancellationToken);

    public override Task PostponeAsync(IReadOnlyList<EndedTask> tasks, CancellationToken cancellationToken = default) =>
        tasks.Count == 0 ? Task.CompletedTask : _database.WriteAsync((connection, transaction) =>
        {
            using var command = Command(connection, transaction,
                "UPDATE tasker_ended SET finished_at = $finished WHERE service_id = $service AND task_id = $task");
            foreach (var task in tasks)
            {
                Bind(command, ("$service", Service), ("$task", task.TaskId), ("$finished", task.FinishedAt.ToUnixTimeMilliseconds()));
                command.ExecuteNonQuery();
            }

            return tasks.Count;
        }, cancellationToken);

    /// <remarks>
    /// As in PostgreSQL, a range of tasker_ended_due per status, oldest end first. The cap on ended tasks is for the
    /// memory store: the file keeps what its retention says, as a table does.
    /// </remarks>
    public override Task<IReadOnlyList<EndedTask>> FindExpiredAsync(ExpiryQuery query, CancellationToken cancellationToken = default) =>
        _database.ReadAsync<IReadOnlyList<EndedTask>>(connection =>
        {
            using var command = Command(connection, null, """
                SELECT client, task_id, phase, finished_at FROM (
                    SELECT * FROM (SELECT client, task_id, phase, finished_at FROM tasker_ended
                                    WHERE service_id = $service AND phase = 3 AND finished_at < $succeeded ORDER BY finished_at LIMIT $limit)
                    UNION ALL
                    SELECT * FROM (SELECT client, task_id, phase, finished_at FROM tasker_ended
                                    WHERE service_id = $service AND phase = 4 AND finished_at < $failed ORDER BY finished_at LIMIT $limit)
                    UNION ALL
                    SELECT * FROM (SELECT client, task_id, phase, finished_at FROM tasker_ended
                                    WHERE service_id = $service AND phase = 5 AND finished_at < $cancelled ORDER BY finished_at LIMIT $limit)
                )
                ORDER BY finished_at
                LIMIT $limit
                """);
            Bind(command,
                ("$service", Service), ("$succeeded", query.SucceededBefore.ToUnixTimeMilliseconds()),
                ("$failed", query.FailedBefore.ToUnixTimeMilliseconds()), ("$cancelled", query.CancelledBefore.ToUnixTimeMilliseconds()),
                ("$limit", query.Limit));
            using var reader = command.ExecuteReader();
            var due = new List<EndedTask>(Math.Min(query.Limit, 1024));
            while (reader.Read())
            {
                due.Add(new EndedTask(reader.GetString(0), reader.GetString(1), (TaskPhase)reader.GetInt32(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
            }

            return due;
        }, cancellationToken);

    public override Task<HistoryPage> QueryAsync(string client, HistoryQuery query, CancellationToken cancellationToken = default) =>
        _database.ReadAsync(connection =>
        {
            using var command = Command(connection, null, $"""
                SELECT task_id, type, phase, cached, created_at, finished_at, progress_done, progress_total, priority
                  FROM tasker_history
                 WHERE {Conditions(query, "service_id = $service AND client = $client")}
                 ORDER BY task_id DESC
                 LIMIT $limit
                """);
            Bind(command, ("$service", Service), ("$client", client));
            BindFilters(command, query);
            var entries = new List<ClientTaskEntry>(query.Limit + 1);
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    entries.Add(ReadEntry(reader, 0));
                }
            }

            using var recorded = Command(connection, null, "SELECT recorded FROM tasker_history_clients WHERE service_id = $service AND client = $client");
            Bind(recorded, ("$service", Service), ("$client", client));
            var total = recorded.ExecuteScalar() is long n ? n : 0;
            if (entries.Count <= query.Limit)
            {
                return new HistoryPage(entries, null, total);
            }

            entries.RemoveAt(entries.Count - 1);
            return new HistoryPage(entries, entries[^1].TaskId, total);
        }, cancellationToken);

    public override Task<ListingPage> QueryAllAsync(HistoryQuery query, CancellationToken cancellationToken = default) =>
        _database.ReadAsync(connection =>
        {
            // Only the filters asked for are in the statement, so that SQLite picks the filter's index.
            using var command = Command(connection, null, $"""
                SELECT client, task_id, type, phase, cached, created_at, finished_at, progress_done, progress_total, priority
                  FROM tasker_history
                 WHERE {Conditions(query, "service_id = $service")}
                 ORDER BY task_id DESC
                 LIMIT $limit
                """);
            Bind(command, ("$service", Service));
            BindFilters(command, query);
            var items = new List<ListedTask>(query.Limit + 1);
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
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
        }, cancellationToken);

    /// <summary>The ids and clients of tasks whose last line said they had not ended: the ones to wake at start-up.</summary>
    public Task<IReadOnlyList<(string TaskId, string Client)>> UnfinishedAsync(CancellationToken cancellationToken) =>
        _database.ReadAsync<IReadOnlyList<(string, string)>>(connection =>
        {
            using var command = Command(connection, null, "SELECT task_id, client FROM tasker_unfinished WHERE service_id = $service ORDER BY task_id");
            Bind(command, ("$service", Service));
            using var reader = command.ExecuteReader();
            var found = new List<(string, string)>();
            while (reader.Read())
            {
                found.Add((reader.GetString(0), reader.GetString(1)));
            }

            return found;
        }, cancellationToken);

    private static string Conditions(HistoryQuery query, string scope) =>
        scope
        + (query.Before is null ? "" : " AND task_id < $before")
        + (query.Type is null ? "" : " AND type = $type")
        + (query.Phase is null ? "" : " AND phase = $phase");

    private static void BindFilters(SqliteCommand command, HistoryQuery query)
    {
        // One more row than asked tells whether there is a next page.
        Bind(command, ("$limit", query.Limit + 1));
        if (query.Before is { } before)
        {
            Bind(command, ("$before", before));
        }

        if (query.Type is { } type)
        {
            Bind(command, ("$type", type));
        }

        if (query.Phase is { } phase)
        {
            Bind(command, ("$phase", (int)phase));
        }
    }

    /// <summary>A line from the columns task_id, type, phase, cached, created_at, finished_at, progress_done, progress_total, priority.</summary>
    private static ClientTaskEntry ReadEntry(SqliteDataReader reader, int at) => new(
        reader.GetString(at),
        reader.GetString(at + 1),
        (TaskPhase)reader.GetInt32(at + 2),
        reader.GetBoolean(at + 3),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(at + 4)),
        reader.IsDBNull(at + 5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(at + 5)),
        reader.IsDBNull(at + 6) || reader.IsDBNull(at + 7) ? null : new TaskProgress(reader.GetInt64(at + 6), reader.GetInt64(at + 7)),
        (TaskPriority)reader.GetInt32(at + 8));

    internal static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>Sets the named parameters, adding those the command lacks; null is SQL NULL.</summary>
    internal static void Bind(SqliteCommand command, params (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            if (command.Parameters.Contains(name))
            {
                command.Parameters[name].Value = value ?? DBNull.Value;
            }
            else
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
        }
    }
}

/// <summary>The durable embedded mode's data set: table <c>tasker_records</c> of the PostgreSQL store, in SQLite (ADR 007).</summary>
public sealed class SqliteRecordStore(SqliteDatabase database) : IRecordStore
{
    public Task<long> CountAsync(DateOnly from, DateOnly till, CancellationToken cancellationToken) =>
        database.ReadAsync(connection =>
        {
            using var command = SqliteHistoryStore.Command(connection, null, "SELECT count(*) FROM tasker_records WHERE day BETWEEN $from AND $till");
            SqliteHistoryStore.Bind(command, ("$from", Day(from)), ("$till", Day(till)));
            return (long)command.ExecuteScalar()!;
        }, cancellationToken);

    public Task<IReadOnlyList<DataRecord>> ReadAsync(DateOnly from, DateOnly till, RecordCursor? after, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<DataRecord>>(connection =>
        {
            // The row value comparison walks index (day, id) from the cursor.
            using var command = SqliteHistoryStore.Command(connection, null, """
                SELECT id, day, name, email, city, amount FROM tasker_records
                 WHERE day BETWEEN $from AND $till AND (day, id) > ($afterDay, $afterId)
                 ORDER BY day, id
                 LIMIT $limit
                """);
            SqliteHistoryStore.Bind(command,
                ("$from", Day(from)), ("$till", Day(till)), ("$afterDay", Day(after?.Date ?? from)),
                ("$afterId", after?.Id ?? long.MinValue), ("$limit", limit));
            var rows = new List<DataRecord>(Math.Min(limit, 100_000));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new DataRecord(
                    reader.GetInt64(0),
                    DateOnly.ParseExact(reader.GetString(1), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.GetString(4),
                    decimal.Parse(reader.GetString(5), CultureInfo.InvariantCulture)));
            }

            return rows;
        }, cancellationToken);

    public Task<int> AddAsync(string source, IReadOnlyList<NewRecord> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return Task.FromResult(0);
        }

        return database.WriteAsync((connection, transaction) =>
        {
            using var command = SqliteHistoryStore.Command(connection, transaction, """
                INSERT INTO tasker_records (source, line, day, name, email, city, amount)
                VALUES ($source, $line, $day, $name, $email, $city, $amount)
                ON CONFLICT (source, line) DO NOTHING
                """);
            var added = 0;
            foreach (var row in rows)
            {
                SqliteHistoryStore.Bind(command,
                    ("$source", source), ("$line", row.Line), ("$day", Day(row.Date)), ("$name", row.Name), ("$email", row.Email),
                    ("$city", row.City), ("$amount", row.Amount.ToString(CultureInfo.InvariantCulture)));
                added += command.ExecuteNonQuery();
            }

            return added;
        }, cancellationToken);
    }

    public Task<long> CountSourceAsync(string source, CancellationToken cancellationToken) =>
        database.ReadAsync(connection =>
        {
            using var command = SqliteHistoryStore.Command(connection, null, "SELECT count(*) FROM tasker_records WHERE source = $source");
            SqliteHistoryStore.Bind(command, ("$source", source));
            return (long)command.ExecuteScalar()!;
        }, cancellationToken);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
