using System.Net.Sockets;
using Npgsql;

namespace Tasker.Silo.Cluster;

/// <summary>
/// Creates Tasker's PostgreSQL tables when they are missing (script <c>Cluster/Sql/postgres-schema.sql</c>,
/// embedded in this assembly).
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

    private static async Task<string> ReadScriptAsync(CancellationToken ct)
    {
        await using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"Embedded resource '{ScriptResource}' is missing from {typeof(PostgresSchema).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct);
    }
}
