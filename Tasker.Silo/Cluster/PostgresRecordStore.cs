using Npgsql;
using NpgsqlTypes;
using Tasker.Records;

namespace Tasker.Silo.Cluster;

/// <summary>The cluster's data set: table <c>tasker_records</c>, created with the grain storage schema.</summary>
public sealed class PostgresRecordStore(NpgsqlDataSource database) : IRecordStore
{
    public async Task<long> CountAsync(DateOnly from, DateOnly till, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT count(*) FROM tasker_records WHERE day BETWEEN $1 AND $2");
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = till });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<DataRecord>> ReadAsync(DateOnly from, DateOnly till, RecordCursor? after, int limit, CancellationToken cancellationToken)
    {
        // The row comparison walks index (day, id) from the cursor.
        await using var command = database.CreateCommand("""
            SELECT id, day, name, email, city, amount FROM tasker_records
             WHERE day BETWEEN $1 AND $2 AND (day, id) > ($3, $4)
             ORDER BY day, id
             LIMIT $5
            """);
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = till });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = after?.Date ?? from });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after?.Id ?? long.MinValue });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });

        var rows = new List<DataRecord>(Math.Min(limit, 100_000));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new DataRecord(
                reader.GetInt64(0),
                reader.GetFieldValue<DateOnly>(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetDecimal(5)));
        }

        return rows;
    }

    public async Task<int> AddAsync(string source, IReadOnlyList<NewRecord> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        await using var command = database.CreateCommand("""
            INSERT INTO tasker_records (source, line, day, name, email, city, amount)
            SELECT $1, r.* FROM unnest($2::bigint[], $3::date[], $4::text[], $5::text[], $6::text[], $7::numeric[]) AS r
            ON CONFLICT (source, line) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Line)] });
        command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = [.. rows.Select(r => r.Date)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Name)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Email)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.City)] });
        command.Parameters.Add(new NpgsqlParameter<decimal[]> { TypedValue = [.. rows.Select(r => r.Amount)] });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <remarks>
    /// CLUSTER rewrites the table in the order of index (day, id): an export's range scan then reads each page once
    /// instead of a page per row. It locks the table while it runs, which is why only the seeding silo calls it; rows
    /// imported later are appended in their own order until the next seed.
    /// </remarks>
    public async Task ArrangeByDateAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("CLUSTER tasker_records USING tasker_records_day_id");
        command.CommandTimeout = 0; // As long as the table takes: a seed of millions of rows is rewritten once.
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> CountSourceAsync(string source, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT count(*) FROM tasker_records WHERE source = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
