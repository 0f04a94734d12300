using Npgsql;
using NpgsqlTypes;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Tasker.Silo.Cluster;

/// <summary>
/// The grain storage of cluster mode (docs/adr/037): writes grouped into one round trip and one transaction (a batch of
/// the provider's own statements), reads the provider's. Through the provider, every write was its own round trip and
/// commit: ten thousand schedules due at one moment made twenty thousand of them.
/// </summary>
public sealed class PostgresGrainStorage(IGrainStorage provider, NpgsqlDataSource database, string serviceId, IGrainStorageSerializer serializer,
    IActivatorProvider activators) : GroupedGrainStorage(provider, serviceId, serializer, activators)
{
    private string? _writeQuery;
    private string? _clearQuery;

    protected override async Task<IReadOnlyList<int?>> WriteAllAsync(IReadOnlyList<StateWrite> batch)
    {
        await using var connection = await database.OpenConnectionAsync();
        if (_writeQuery is null || _clearQuery is null)
        {
            await using var read = new NpgsqlCommand("SELECT querykey, querytext FROM orleansquery WHERE querykey IN ('WriteToStorageKey', 'ClearStorageKey')", connection);
            await using var queries = await read.ExecuteReaderAsync();
            while (await queries.ReadAsync())
            {
                if (queries.GetString(0) == "WriteToStorageKey")
                {
                    _writeQuery = queries.GetString(1);
                }
                else
                {
                    _clearQuery = queries.GetString(1);
                }
            }
        }

        // In one order of the rows for every batch of every silo, so that two transactions never wait for each other's
        // locks (a deadlock fails a whole batch); stable, so that a grain's later write still follows its earlier one.
        var order = Enumerable.Range(0, batch.Count)
            .OrderBy(i => batch[i].StateName, StringComparer.Ordinal).ThenBy(i => batch[i].N0).ThenBy(i => batch[i].N1)
            .ThenBy(i => batch[i].Extension, StringComparer.Ordinal)
            .ToArray();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var statements = new NpgsqlBatch(connection, transaction);
        foreach (var item in order.Select(i => batch[i]))
        {
            var statement = new NpgsqlBatchCommand(item.Payload is null ? _clearQuery! : _writeQuery!);
            statement.Parameters.Add(new NpgsqlParameter("ServiceId", NpgsqlDbType.Text) { Value = ServiceId });
            statement.Parameters.Add(new NpgsqlParameter("GrainTypeString", NpgsqlDbType.Text) { Value = item.StateName });
            statement.Parameters.Add(new NpgsqlParameter("GrainIdExtensionString", NpgsqlDbType.Text) { Value = item.Extension });
            statement.Parameters.Add(new NpgsqlParameter("GrainIdN0", NpgsqlDbType.Bigint) { Value = item.N0 });
            statement.Parameters.Add(new NpgsqlParameter("GrainIdN1", NpgsqlDbType.Bigint) { Value = item.N1 });
            statement.Parameters.Add(new NpgsqlParameter("GrainStateVersion", NpgsqlDbType.Integer) { Value = item.Version is { } v ? v : DBNull.Value });
            if (item.Payload is not null)
            {
                statement.Parameters.Add(new NpgsqlParameter("PayloadBinary", NpgsqlDbType.Bytea) { Value = item.Payload });
            }

            statements.BatchCommands.Add(statement);
        }

        var versions = new int?[batch.Count];
        await using (var reader = await statements.ExecuteReaderAsync())
        {
            // One result set per statement, each one row whose NewGrainStateVersion is null when the version was refused.
            foreach (var i in order)
            {
                if (await reader.ReadAsync() && !await reader.IsDBNullAsync(0))
                {
                    versions[i] = reader.GetInt32(0);
                }

                await reader.NextResultAsync();
            }
        }

        await transaction.CommitAsync();
        return versions;
    }
}
