using System.Diagnostics;
using System.Reflection;

namespace Tasker.Cluster.Tests;

/// <summary>
/// The real Redis and PostgreSQL servers the cluster tests use: those the test command started (TASKER_REDIS,
/// TASKER_POSTGRES), or else ones this fixture starts itself with build/services.sh and stops afterwards.
/// </summary>
public class ClusterServers : IAsyncLifetime
{
    private string? _ownDirectory;

    /// <summary>Whether this fixture starts a pair of its own even when the test command has one.</summary>
    protected virtual bool OwnPair => false;

    public string Redis { get; private set; } = "";

    public string Postgres { get; private set; } = "";

    public static string RepositoryRoot => Path.GetFullPath(Metadata("RepositoryRoot"));

    public static string SiloAssembly => Path.GetFullPath(Metadata("SiloAssembly"));

    /// <summary>Where services.sh keeps this run's servers (for stop-redis / start-redis).</summary>
    public string ServicesDirectory { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var redis = Environment.GetEnvironmentVariable("TASKER_REDIS");
        var postgres = Environment.GetEnvironmentVariable("TASKER_POSTGRES");
        var directory = Environment.GetEnvironmentVariable("TASKER_SERVICES_DIR");
        if (OwnPair || string.IsNullOrEmpty(redis) || string.IsNullOrEmpty(postgres) || string.IsNullOrEmpty(directory))
        {
            _ownDirectory = Path.Combine(Path.GetTempPath(), "tasker-cluster-tests-" + Guid.NewGuid().ToString("N")[..8]);
            directory = _ownDirectory;
            var output = await ServicesAsync("start", directory);
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var assignment = line.StartsWith("export ", StringComparison.Ordinal) ? line["export ".Length..] : line;
                var equals = assignment.IndexOf('=', StringComparison.Ordinal);
                if (equals < 0)
                {
                    continue;
                }

                var value = assignment[(equals + 1)..].Trim('\'', '"');
                switch (assignment[..equals])
                {
                    case "TASKER_REDIS":
                        redis = value;
                        break;
                    case "TASKER_POSTGRES":
                        postgres = value;
                        break;
                }
            }
        }

        Redis = redis ?? throw new InvalidOperationException("services.sh printed no TASKER_REDIS");
        Postgres = postgres ?? throw new InvalidOperationException("services.sh printed no TASKER_POSTGRES");
        ServicesDirectory = directory;
    }

    public async Task DisposeAsync()
    {
        if (_ownDirectory is not null)
        {
            await ServicesAsync("stop", _ownDirectory);
            Directory.Delete(_ownDirectory, recursive: true);
        }
    }

    public Task StopRedisAsync() => ServicesAsync("stop-redis", ServicesDirectory);

    public Task StartRedisAsync() => ServicesAsync("start-redis", ServicesDirectory);

    /// <summary>Stops PostgreSQL immediately (as a crash would); <see cref="StartPostgresAsync"/> brings it back with its data.</summary>
    public Task StopPostgresAsync() => ServicesAsync("stop-postgres", ServicesDirectory);

    public Task StartPostgresAsync() => ServicesAsync("start-postgres", ServicesDirectory);

    private static async Task<string> ServicesAsync(string verb, string directory)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot, "build", "services.sh"), verb, directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run services.sh");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"services.sh {verb} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }

    private static string Metadata(string key) =>
        typeof(ClusterServers).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"no {key} metadata");
}

[CollectionDefinition(Name)]
public sealed class ServersCollection : ICollectionFixture<ClusterServers>
{
    public const string Name = "servers";
}

/// <summary>
/// A Redis and a PostgreSQL of their own for the tests that stop them (outages), so that the other cluster tests, on
/// the shared pair, run beside them instead of after them.
/// </summary>
public sealed class OutageServers : ClusterServers
{
    protected override bool OwnPair => true;
}

[CollectionDefinition(Name)]
public sealed class OutageServersCollection : ICollectionFixture<OutageServers>
{
    public const string Name = "outage-servers";
}
