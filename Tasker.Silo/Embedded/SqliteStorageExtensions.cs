using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
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
    /// Orleans serializer, its calls moved off the grain's turn (<see cref="OffTurnGrainStorage"/>); the SQLite history
    /// and record stores; and the start-up wake of unfinished tasks.
    /// </summary>
    public static ISiloBuilder AddTaskerSqliteStorage(this ISiloBuilder silo, SqliteDatabase database)
    {
        silo.Services.AddSingleton(_ => database); // Made by a factory, so the container disposes it (and its lock) at the end.
        silo.AddTaskerAdoNetStorage(SqliteInvariant, database.ConnectionString);

        // Registered after the provider's own, so this one answers for the name; the provider's lifecycle participant
        // resolves the storage by name too, and the wrapper passes it on.
        silo.Services.AddKeyedSingleton<IGrainStorage>(TaskerStorage.Name, (services, _) =>
            new OffTurnGrainStorage(AdoNetGrainStorageFactory.Create(services, TaskerStorage.Name)));

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

/// <summary>
/// Orleans' ADO.NET grain storage on SQLite, with each call started on the thread pool: Microsoft.Data.Sqlite's
/// "async" methods run synchronously, and a grain's turn must not block on the file (docs/adr/019).
/// </summary>
public sealed class OffTurnGrainStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The provider this wraps.</summary>
    public IGrainStorage Inner { get; } = inner;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Task.Run(() => Inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Task.Run(() => Inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Task.Run(() => Inner.ClearStateAsync(stateName, grainId, grainState));

    public void Participate(ISiloLifecycle lifecycle)
    {
        if (Inner is ILifecycleParticipant<ISiloLifecycle> participant)
        {
            participant.Participate(lifecycle);
        }
    }
}
