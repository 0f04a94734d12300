using System.Data.Common;
using Npgsql;

namespace Tasker.Silo.Secrets;

/// <summary>
/// The cluster's Data Protection key ring, in Tasker's PostgreSQL, so that it is shared by every silo and survives
/// whatever the grain state survives (docs/adr/018).
/// </summary>
public sealed class PostgresXmlRepository(NpgsqlDataSource database, string serviceId) : SqlXmlRepository(serviceId)
{
    // "tasker" in ASCII, as in postgres-schema.sql: one lock for Tasker's schema changes.
    private const long SchemaLock = 127978560398706;

    private bool _ensured;

    protected override string SelectSql =>
        "SELECT xml FROM tasker_data_protection_keys WHERE service_id = @service ORDER BY created_at, friendly_name";

    protected override string InsertSql => """
        INSERT INTO tasker_data_protection_keys (service_id, friendly_name, xml) VALUES (@service, @name, @xml)
        ON CONFLICT (service_id, friendly_name) DO NOTHING
        """;

    protected override DbConnection OpenConnection()
    {
        EnsureTable();
        return database.OpenConnection();
    }

    /// <summary>
    /// Creates the table when missing, under the schema lock. Here rather than in postgres-schema.sql because Data
    /// Protection may read the ring before the silo's start-up stage that runs that script.
    /// </summary>
    private void EnsureTable()
    {
        if (_ensured)
        {
            return;
        }

        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({SchemaLock});
            CREATE TABLE IF NOT EXISTS tasker_data_protection_keys
            (
                service_id    text        NOT NULL,
                friendly_name text        NOT NULL,
                xml           text        NOT NULL,
                created_at    timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT tasker_data_protection_keys_pk PRIMARY KEY (service_id, friendly_name)
            );
            """, connection, transaction))
        {
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        _ensured = true;
    }
}
