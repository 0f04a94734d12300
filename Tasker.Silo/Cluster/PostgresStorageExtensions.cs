using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Tasker.Silo.Cluster;

/// <summary>Keeps Tasker's grain state in PostgreSQL through Orleans' ADO.NET grain storage (docs/adr/011).</summary>
public static partial class PostgresStorageExtensions
{
    // Orleans' name for the Npgsql ADO.NET provider (its AdoNetInvariants class is internal).
    private const string NpgsqlInvariant = "Npgsql";

    /// <summary>
    /// Registers the ADO.NET grain storage named <see cref="TaskerStorage.Name"/> on PostgreSQL (Npgsql), storing
    /// state with the Orleans serializer, and prepares the schema (<see cref="PostgresSchema"/>) at silo start,
    /// before the storage provider reads its queries. The <see cref="NpgsqlDataSource"/> it registers serves
    /// Tasker's other tables (history, data set) and new tasks' grouped first writes (<see cref="PostgresNewTaskStore"/>).
    /// </summary>
    /// <remarks><c>ClusterOptions.ServiceId</c> is part of every row's key: set it once and never change it.</remarks>
    public static ISiloBuilder AddTaskerPostgresStorage(this ISiloBuilder silo, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        connectionString = WithAutoPrepare(connectionString);

        silo.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        silo.AddTaskerAdoNetStorage(NpgsqlInvariant, connectionString);

        // Registered after the provider's own, so this one answers for the name; it passes the provider's lifecycle on.
        silo.Services.AddKeyedSingleton<IGrainStorage>(TaskerStorage.Name, (services, _) => new PostgresGrainStorage(
            AdoNetGrainStorageFactory.Create(services, TaskerStorage.Name), services.GetRequiredService<NpgsqlDataSource>(),
            services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get(TaskerStorage.Name).GrainStorageSerializer,
            services.GetRequiredService<IActivatorProvider>()));

        // New tasks' first writes, grouped (docs/adr/026); whichever of this and Tasker's grains is registered first.
        silo.Services.Replace(ServiceDescriptor.Singleton<Tasker.Tasks.INewTaskStore, PostgresNewTaskStore>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => new SchemaInitializer(
            connectionString,
            services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get(TaskerStorage.Name).InitStage,
            services.GetRequiredService<ILogger<SchemaInitializer>>()));
        return silo;
    }

    /// <summary>
    /// Npgsql's automatic preparation, unless the connection string says otherwise: the provider and the history
    /// store send the same few statements again and again, and a prepared statement skips PostgreSQL's parse and plan
    /// (measured: cluster-1 798 → 1,067 tasks/s, one at a time p50 4.7 → 1.9 ms; bench/README.md, docs/adr/011).
    /// Behind a pooler in transaction mode (PgBouncer), set <c>Max Auto Prepare=0</c>.
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        // Npgsql's own builder "contains" every keyword it knows, set or not: ask a plain builder what the string says.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
        {
            builder.MaxAutoPrepare = 20;
            builder.AutoPrepareMinUsages = 2;
        }

        return builder.ConnectionString;
    }

    /// <summary>Runs the schema script one lifecycle stage before the storage provider reads its queries.</summary>
    private sealed partial class SchemaInitializer(string connectionString, int storageInitStage, ILogger<SchemaInitializer> logger)
        : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(PostgresSchema), storageInitStage - 1, EnsureSchemaAsync);

        private async Task EnsureSchemaAsync(CancellationToken ct)
        {
            await PostgresSchema.EnsureAsync(connectionString, ct);
            SchemaReady(logger, TaskerStorage.Name);
            foreach (var (table, rows) in await PostgresSchema.RetiredStateTablesAsync(connectionString, ct))
            {
                if (rows > 0)
                {
                    RetiredTableHoldsRows(logger, table, rows);
                }
            }
        }
    }
}
