namespace Tasker.Silo.Hosting;

public static partial class SiloHostingExtensions
{
    private sealed partial class ModeAnnouncer
    {
        [LoggerMessage(3200, LogLevel.Warning,
            "Embedded mode, in memory (Tasker__Embedded__Storage=memory): one silo with in-memory grain state and reminders. State is NOT kept: every task is lost when this process stops. Unset Tasker__Embedded__Storage to keep state in a file; set ConnectionStrings__Redis and ConnectionStrings__Postgres for cluster mode.")]
        private static partial void EmbeddedMode(ILogger logger);

        [LoggerMessage(3201, LogLevel.Information,
            "Cluster mode: cluster {ClusterId}, service {ServiceId}, silo port {SiloPort}, gateway port {GatewayPort}; grain state in PostgreSQL, membership and reminders in Redis.")]
        private static partial void ClusterMode(ILogger logger, string clusterId, string serviceId, int siloPort, string gatewayPort);

        [LoggerMessage(3202, LogLevel.Information,
            "Embedded mode: one silo, state kept in {DatabaseFile} (tasks, results, histories, data set, key ring); Tasker__Embedded__DataPath moves it. Set ConnectionStrings__Redis and ConnectionStrings__Postgres for cluster mode.")]
        private static partial void EmbeddedDurable(ILogger logger, string databaseFile);

        [LoggerMessage(3203, LogLevel.Information,
            "Workstation GC, on purpose (docs/adr/027): on a few cores it serves short tasks faster than server GC. DOTNET_gcServer=1 turns server GC on.")]
        private static partial void WorkstationGc(ILogger logger);
    }
}
