using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Tasker.Silo.Embedded;

namespace Tasker.Silo.Secrets;

/// <summary>
/// The durable embedded mode's key ring: table <c>tasker_data_protection_keys</c> in the embedded database, so that a
/// task's sealed secret opens after a restart (docs/adr/018, 019). Data Protection calls this rarely and
/// synchronously, so the statements are synchronous too.
/// </summary>
public sealed class SqliteXmlRepository(SqliteDatabase database, string serviceId) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT xml FROM tasker_data_protection_keys WHERE service_id = $service ORDER BY created_at, friendly_name";
        command.Parameters.AddWithValue("$service", serviceId);
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
        // A connection of its own: SQLite's busy timeout queues it behind the writer, which it meets about once a year.
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO tasker_data_protection_keys (service_id, friendly_name, xml, created_at)
            VALUES ($service, $name, $xml, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            ON CONFLICT (service_id, friendly_name) DO NOTHING
            """;
        command.Parameters.AddWithValue("$service", serviceId);
        command.Parameters.AddWithValue("$name", friendlyName);
        command.Parameters.AddWithValue("$xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
