using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Tasker.Clients;
using Tasker.Records;
using Tasker.Silo.Cluster;

namespace Tasker.Silo.Embedded;

/// <summary>The durable embedded mode: grain state, histories, data set and key ring in one SQLite file (docs/adr/019).</summary>
public static partial class SqliteStorageExtensions
{
    // Orleans' name for SQLite (AdoNetInvariants.InvariantNameSqlLite), which it maps to Microsoft.Data.Sqlite's factory.
    private const string SqliteInvariant = "System.Data.SQLite";

    /// <summary>
    /// Registers the ADO.NET grain storage named <see cref="TaskerStorage.Name"/> on <paramref name="database"/>, with the
    /// Orleans serializer, its writes grouped on the file's writer (<see cref="SqliteGrainStorage"/>); the SQLite history
    /// and record stores; and the start-up wake of unfinished tasks.
    /// </summary>
    public static ISiloBuilder AddTaskerSqliteStorage(this ISiloBuilder silo, SqliteDatabase database)
    {
        silo.Services.AddSingleton(_ => database); // Made by a factory, so the container disposes it (and its lock) at the end.
        silo.AddTaskerAdoNetStorage(SqliteInvariant, database.ConnectionString);

        // Registered after the provider's own, so this one answers for the name; the provider's lifecycle participant
        // resolves the storage by name too, and the wrapper passes it on.
        silo.Services.AddKeyedSingleton<IGrainStorage>(TaskerStorage.Name, (services, _) => new SqliteGrainStorage(
            AdoNetGrainStorageFactory.Create(services, TaskerStorage.Name), database,
            services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get(TaskerStorage.Name).GrainStorageSerializer,
            services.GetRequiredService<IActivatorProvider>()));

        // New tasks' first writes through the database's one writer, grouped (docs/adr/026).
        silo.Services.Replace(ServiceDescriptor.Singleton<Tasker.Tasks.INewTaskStore, SqliteNewTaskStore>());
        silo.Services.AddSingleton<SqliteHistoryStore>();
        silo.Services.AddSingleton<IHistoryStore>(s => s.GetRequiredService<SqliteHistoryStore>());
        silo.Services.AddSingleton<IRecordStore, SqliteRecordStore>();
        silo.Services.AddSingleton<Due.IDueStore, SqliteDueStore>();
        silo.Services.AddSingleton<Retention.IStateRowSweeper, SqliteStateRowSweeper>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, UnfinishedTaskWaker>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SqliteScheduleWaker>();
        return silo;
    }

    /// <summary>
    /// Embedded mode keeps reminders in memory: at start-up, once the silo takes calls, every task whose last history
    /// line had not ended is woken (<see cref="ITaskGrain.WakeAsync"/>), so that long tasks go on from their checkpoint.
    /// </summary>
    private sealed partial class UnfinishedTaskWaker(SqliteHistoryStore history, IGrainFactory grains, ILogger<UnfinishedTaskWaker> logger)
        : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(UnfinishedTaskWaker), ServiceLifecycleStage.Active, WakeAllAsync);

        private async Task WakeAllAsync(CancellationToken cancellationToken)
        {
            var unfinished = await history.UnfinishedAsync(cancellationToken);
            if (unfinished.Count == 0)
            {
                return;
            }

            var failed = 0;
            foreach (var batch in unfinished.Chunk(64))
            {
                var woken = await Task.WhenAll(batch.Select(async task =>
                {
                    try
                    {
                        await grains.GetGrain<ITaskGrain>(task.TaskId).WakeAsync();
                        return true;
                    }
                    catch (Exception exception) when (exception is not OutOfMemoryException)
                    {
                        WakeFailed(logger, task.TaskId, task.Client, exception);
                        return false;
                    }
                }));
                failed += woken.Count(ok => !ok);
            }

            Woken(logger, unfinished.Count - failed, failed);
        }
    }
}
