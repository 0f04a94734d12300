namespace Tasker.Silo.Cluster;

public static partial class PostgresStorageExtensions
{
    private sealed partial class SchemaInitializer
    {
        [LoggerMessage(3300, LogLevel.Information, "PostgreSQL schema for grain storage '{StorageName}' is in place.")]
        private static partial void SchemaReady(ILogger logger, string storageName);

        [LoggerMessage(3301, LogLevel.Warning,
            "Table {Table}, written by an earlier Tasker's grain storage, holds {Rows} rows that this version does not read: grain state now lives in tasker_grains (docs/adr/011). Drop that table once you no longer need its rows.")]
        private static partial void RetiredTableHoldsRows(ILogger logger, string table, long rows);
    }
}
