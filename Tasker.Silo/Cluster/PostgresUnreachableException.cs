using Npgsql;

namespace Tasker.Silo.Cluster;

/// <summary>PostgreSQL could not be reached (or refused the login) while preparing Tasker's schema.</summary>
public sealed class PostgresUnreachableException(string message, Exception innerException) : Exception(message, innerException)
{
    /// <summary>Describes the target by host, port, database and user; never by password.</summary>
    internal static PostgresUnreachableException For(string connectionString, Exception cause)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var host = string.IsNullOrEmpty(target.Host) ? "(no host)" : target.Host;
        var database = string.IsNullOrEmpty(target.Database) ? "(default)" : target.Database;
        var user = string.IsNullOrEmpty(target.Username) ? "(default)" : target.Username;
        return new PostgresUnreachableException(
            $"Cannot reach PostgreSQL at {host}:{target.Port}, database '{database}', user '{user}' ({cause.Message.TrimEnd('.')}). " +
            "Check ConnectionStrings__Postgres and that the server is running and accepts this login.",
            cause);
    }
}
