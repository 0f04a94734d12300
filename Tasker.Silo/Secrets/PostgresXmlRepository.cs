using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Tasker.Silo.Secrets;

/// <summary>
/// The cluster's Data Protection key ring: table <c>tasker_data_protection_keys</c> in Tasker's PostgreSQL, one row
/// per element (key or revocation) of the service, so that it is shared by every silo and survives whatever the
/// grain state survives (docs/adr/018). Data Protection calls this rarely (at start-up, when it makes a key, and when
/// its cached ring expires, about daily) and synchronously, so the statements are synchronous too.
/// </summary>
public sealed class PostgresXmlRepository(NpgsqlDataSource database, string serviceId) : IXmlRepository
{
    // "tasker" in ASCII, as in postgres-schema.sql: one lock for Tasker's schema changes.
    private const long SchemaLock = 127978560398706;

    private bool _ensured;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        EnsureTable();
        using var command = database.CreateCommand("SELECT xml FROM tasker_data_protection_keys WHERE service_id = $1 ORDER BY created_at, friendly_name");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        EnsureTable();
        // Elements never change once written; two silos making a key at once each store their own, under its own name.
        using var command = database.CreateCommand("""
            INSERT INTO tasker_data_protection_keys (service_id, friendly_name, xml) VALUES ($1, $2, $3)
            ON CONFLICT (service_id, friendly_name) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = friendlyName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
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
