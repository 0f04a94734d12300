using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace Tasker.Silo.Cluster;

/// <summary>Keeps Tasker's grain state in PostgreSQL (<see cref="PostgresGrainStorage"/>).</summary>
public static partial class PostgresStorageExtensions
{
    /// <summary>
    /// Registers the grain storage named <see cref="TaskerStorage.Name"/> on PostgreSQL, storing state with the
    /// Orleans serializer, and prepares the schema (<see cref="PostgresSchema"/>) at silo start, before any grain
    /// or start-up task reads state. The <see cref="NpgsqlDataSource"/> it registers serves
    /// Tasker's other tables too.
    /// </summary>
    /// <remarks>
    /// The Orleans serializer honours <c>[GenerateSerializer]</c>/<c>[Id]</c>/<c>[Alias]</c>, so renaming a state class
    /// or its namespace does not orphan stored rows. <c>ClusterOptions.ServiceId</c> is part of every row's key: set
    /// it once and never change it.
    /// </remarks>
    public static ISiloBuilder AddTaskerPostgresStorage(this ISiloBuilder silo, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        silo.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        silo.Services.AddGrainStorage(TaskerStorage.Name, (services, _) => new PostgresGrainStorage(
            services.GetRequiredService<NpgsqlDataSource>(),
            new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()),
            services.GetRequiredService<IOptions<ClusterOptions>>()));

        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => new SchemaInitializer(
            connectionString, services.GetRequiredService<ILogger<SchemaInitializer>>()));
        return silo;
    }

    /// <summary>Runs the schema script one lifecycle stage before the application's services start.</summary>
    private sealed partial class SchemaInitializer(string connectionString, ILogger<SchemaInitializer> logger)
        : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(PostgresSchema), ServiceLifecycleStage.ApplicationServices - 1, EnsureSchemaAsync);

        private async Task EnsureSchemaAsync(CancellationToken ct)
        {
            await PostgresSchema.EnsureAsync(connectionString, ct);
            SchemaReady(logger, TaskerStorage.Name);
        }

        [LoggerMessage(1, LogLevel.Information, "PostgreSQL schema for grain storage '{StorageName}' is in place.")]
        private static partial void SchemaReady(ILogger logger, string storageName);
    }
}
