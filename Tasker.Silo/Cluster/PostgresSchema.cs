using System.Net.Sockets;
using Npgsql;

namespace Tasker.Silo.Cluster;

/// <summary>
/// Creates Tasker's PostgreSQL tables when they are missing, and the queries that Orleans' ADO.NET grain storage
/// reads (script <c>Cluster/Sql/postgres-schema.sql</c>, embedded in this assembly).
/// </summary>
/// <remarks>
/// The script is idempotent and takes a transaction-scoped advisory lock, so every silo may run it at start-up,
/// several at the same moment.
/// </remarks>
public static class PostgresSchema
{
    private const string ScriptResource = "Tasker.Silo.Cluster.Sql.postgres-schema.sql";

    /// <summary>Runs the schema script against the database that <paramref name="connectionString"/> names.</summary>
    /// <exception cref="PostgresUnreachableException">The database server could not be reached or refused the login.</exception>
    public static async Task EnsureAsync(string connectionString, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var script = await ReadScriptAsync(ct);

        await using var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            throw PostgresUnreachableException.For(connectionString, ex);
        }

        await using var command = new NpgsqlCommand(script, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Tables of grain storages that this version no longer reads, with the rows each holds: <c>tasker_state</c>
    /// (Tasker's own storage, ADR 010) and <c>tasker_grain_state</c> (the ADO.NET provider before ADR 010, keyed
    /// differently). Empty when none of them is there.
    /// </summary>
    public static async Task<IReadOnlyList<(string Table, long Rows)>> RetiredStateTablesAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var found = new List<(string, long)>();
        foreach (var table in (string[])["tasker_state", "tasker_grain_state"])
        {
            await using var exists = new NpgsqlCommand($"SELECT to_regclass('{table}') IS NOT NULL", connection);
            if (await exists.ExecuteScalarAsync(ct) is true)
            {
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
                found.Add((table, (long)(await count.ExecuteScalarAsync(ct) ?? 0L)));
            }
        }

        return found;
    }

    private static async Task<string> ReadScriptAsync(CancellationToken ct)
    {
        await using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"Embedded resource '{ScriptResource}' is missing from {typeof(PostgresSchema).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct);
    }
}
