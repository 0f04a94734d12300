using System.Data.Common;
using Tasker.Silo.Embedded;

namespace Tasker.Silo.Secrets;

/// <summary>
/// The durable embedded mode's key ring, in the embedded database, so that a task's sealed secret opens after a
/// restart (docs/adr/018, 019). Each call has a connection of its own: SQLite's busy timeout queues a write behind the
/// writer, which it meets about once a year.
/// </summary>
public sealed class SqliteXmlRepository(SqliteDatabase database, string serviceId) : SqlXmlRepository(serviceId)
{
    protected override string SelectSql =>
        "SELECT xml FROM tasker_data_protection_keys WHERE service_id = @service ORDER BY created_at, friendly_name";

    protected override string InsertSql => """
        INSERT INTO tasker_data_protection_keys (service_id, friendly_name, xml, created_at)
        VALUES (@service, @name, @xml, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ON CONFLICT (service_id, friendly_name) DO NOTHING
        """;

    protected override DbConnection OpenConnection() => database.OpenConnection();
}
