namespace Tasker.Silo.Hosting;

/// <summary>How a silo keeps its state: chosen by which connection strings are set.</summary>
public enum TaskerMode
{
    /// <summary>Neither Redis nor PostgreSQL: one silo, state in one SQLite file or in memory (docs/adr/019).</summary>
    Embedded,

    /// <summary>Both Redis and PostgreSQL: any number of silos, durable state.</summary>
    Cluster,
}

/// <summary>A configuration the silo refuses to start with; the message says what to change.</summary>
public sealed class TaskerConfigurationException(string message) : Exception(message);

public static class TaskerModes
{
    /// <summary>Decides the mode from the connection strings, refusing one without the other.</summary>
    public static TaskerMode Detect(IConfiguration configuration)
    {
        var redis = configuration.GetConnectionString("Redis");
        var postgres = configuration.GetConnectionString("Postgres");
        return (string.IsNullOrWhiteSpace(redis), string.IsNullOrWhiteSpace(postgres)) switch
        {
            (true, true) => TaskerMode.Embedded,
            (false, false) => TaskerMode.Cluster,
            (false, true) => throw new TaskerConfigurationException(
                "ConnectionStrings:Redis is set but ConnectionStrings:Postgres is missing: cluster mode needs both (ConnectionStrings__Postgres), embedded mode neither."),
            (true, false) => throw new TaskerConfigurationException(
                "ConnectionStrings:Postgres is set but ConnectionStrings:Redis is missing: cluster mode needs both (ConnectionStrings__Redis), embedded mode neither."),
        };
    }
}

/// <summary>The mode this process runs in, for the services that differ by mode; the embedded database file, if any.</summary>
public sealed record TaskerModeInfo(TaskerMode Mode, string? DatabaseFile = null);
