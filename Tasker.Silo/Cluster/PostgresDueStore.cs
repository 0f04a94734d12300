using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Tasker.Due;

namespace Tasker.Silo.Cluster;

/// <summary>
/// The cluster's due entries (docs/adr/034), table <c>tasker_due</c>, shared by every silo: whichever silo runs a shard
/// reads the same rows. Entries added at the same moment are written by one statement.
/// </summary>
public sealed class PostgresDueStore(NpgsqlDataSource database, IOptions<ClusterOptions> cluster) : GroupedDueStore(cluster)
{
    public override async Task RemoveAsync(string taskId, DateTimeOffset dueAt, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("DELETE FROM tasker_due WHERE service_id = $1 AND task_id = $2 AND due_at = $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = taskId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = dueAt.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task<IReadOnlyList<DueEntry>> DueAsync(int shard, DateTimeOffset until, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("""
            SELECT task_id, due_at FROM tasker_due
             WHERE service_id = $1 AND shard = $2 AND due_at <= $3
             ORDER BY due_at LIMIT $4
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)shard });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = until.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var due = new List<DueEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new DueEntry(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return due;
    }

    public override async Task<DateTimeOffset?> EarliestAsync(int shard, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("SELECT min(due_at) FROM tasker_due WHERE service_id = $1 AND shard = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)shard });
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime earliest
            ? new DateTimeOffset(DateTime.SpecifyKind(earliest, DateTimeKind.Utc))
            : null;
    }

    protected override async Task AddAllAsync(IReadOnlyList<(int Shard, DueEntry Entry)> batch)
    {
        // The last entry of a task wins; rows go in key order, so that two silos' statements cannot deadlock.
        var entries = batch.GroupBy(b => b.Entry.TaskId, StringComparer.Ordinal).Select(g => g.Last())
            .OrderBy(b => b.Entry.TaskId, StringComparer.Ordinal).ToList();
        await using var command = database.CreateCommand("""
            INSERT INTO tasker_due (service_id, task_id, shard, due_at)
            SELECT $1, task_id, shard, due_at FROM unnest($2::text[], $3::smallint[], $4::timestamptz[]) AS t(task_id, shard, due_at)
            ON CONFLICT (service_id, task_id) DO UPDATE SET shard = EXCLUDED.shard, due_at = EXCLUDED.due_at
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Service });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. entries.Select(e => e.Entry.TaskId)] });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. entries.Select(e => (short)e.Shard)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. entries.Select(e => e.Entry.DueAt.ToUniversalTime())] });
        await command.ExecuteNonQueryAsync();
    }
}
