using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Tasker.Schedules;

namespace Tasker.Silo.Embedded;

/// <summary>
/// Embedded mode keeps reminders in memory, so a schedule's heartbeat does not outlive the process: at start-up, once the
/// silo takes calls, every stored schedule is woken (<see cref="IScheduleGrain.WakeAsync"/>) and deals with what fell due
/// while the silo was down, as its missed policy says (docs/adr/033). The stored schedules are the grain state rows of
/// type <c>schedule</c> that are not cleared; their key is the grain's string key.
/// </summary>
public sealed partial class SqliteScheduleWaker(SqliteDatabase database, IOptions<ClusterOptions> cluster, IGrainFactory grains, ILogger<SqliteScheduleWaker> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SqliteScheduleWaker), ServiceLifecycleStage.Active, WakeAllAsync);

    /// <summary>The keys of every stored schedule.</summary>
    public Task<IReadOnlyList<string>> StoredAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<string>>(connection =>
        {
            using var command = SqliteHistoryStore.Command(connection, null, """
                SELECT grain_id_extension FROM tasker_grains
                 WHERE service_id = $service AND grain_type = 'schedule' AND payload_binary IS NOT NULL
                """);
            SqliteHistoryStore.Bind(command, ("$service", cluster.Value.ServiceId));
            using var reader = command.ExecuteReader();
            var keys = new List<string>();
            while (reader.Read())
            {
                keys.Add(reader.GetString(0));
            }

            return keys;
        }, cancellationToken);

    private async Task WakeAllAsync(CancellationToken cancellationToken)
    {
        var keys = await StoredAsync(cancellationToken);
        var failed = 0;
        foreach (var batch in keys.Chunk(64))
        {
            var woken = await Task.WhenAll(batch.Select(async key =>
            {
                try
                {
                    await grains.GetGrain<IScheduleGrain>(key).WakeAsync();
                    return true;
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    WakeFailed(logger, key, exception);
                    return false;
                }
            }));
            failed += woken.Count(ok => !ok);
        }

        if (keys.Count > 0)
        {
            Woken(logger, keys.Count - failed, failed);
        }
    }
}
