using System.Data.Common;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Tasker.Silo.Secrets;

/// <summary>
/// A key ring in table <c>tasker_data_protection_keys</c> of Tasker's database, one row per element (key or
/// revocation) of the service (docs/adr/018). Data Protection calls this rarely (at start-up, when it makes a key, and
/// when its cached ring expires, about daily) and synchronously, so the statements are synchronous too. Elements never
/// change once written: two silos making a key at once each store their own, under its own name.
/// </summary>
public abstract class SqlXmlRepository(string serviceId) : IXmlRepository
{
    /// <summary>The statement that reads the service's elements, oldest first; parameter <c>@service</c>.</summary>
    protected abstract string SelectSql { get; }

    /// <summary>The statement that adds an element unless its name is there; parameters <c>@service</c>, <c>@name</c>, <c>@xml</c>.</summary>
    protected abstract string InsertSql { get; }

    /// <summary>An open connection to the database, its table ready.</summary>
    protected abstract DbConnection OpenConnection();

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = OpenConnection();
        using var command = Command(connection, SelectSql, ("@service", serviceId));
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
        using var connection = OpenConnection();
        using var command = Command(connection, InsertSql,
            ("@service", serviceId), ("@name", friendlyName), ("@xml", element.ToString(SaveOptions.DisableFormatting)));
        command.ExecuteNonQuery();
    }

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, string Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
