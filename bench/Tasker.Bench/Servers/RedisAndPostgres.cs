using System.Diagnostics;

namespace Tasker.Bench.Servers;

/// <summary>
/// The Redis and PostgreSQL servers of cluster mode and of Hangfire's storages: those named by TASKER_REDIS and
/// TASKER_POSTGRES when both are set, else throwaway ones started with build/services.sh and stopped on dispose.
/// </summary>
public sealed class RedisAndPostgres : IAsyncDisposable
{
    private readonly string? _startedIn;

    private RedisAndPostgres(string redis, string postgres, string? startedIn)
    {
        Redis = redis;
        Postgres = postgres;
        _startedIn = startedIn;
    }

    /// <summary>The Redis connection string (host:port).</summary>
    public string Redis { get; }

    /// <summary>The PostgreSQL connection string.</summary>
    public string Postgres { get; }

    /// <summary>Uses the exported servers or starts throwaway ones under <paramref name="work"/>/services.</summary>
    public static async Task<RedisAndPostgres> ObtainAsync(string work)
    {
        var redis = Environment.GetEnvironmentVariable("TASKER_REDIS");
        var postgres = Environment.GetEnvironmentVariable("TASKER_POSTGRES");
        if (!string.IsNullOrEmpty(redis) && !string.IsNullOrEmpty(postgres))
        {
            return new RedisAndPostgres(redis, postgres, null);
        }

        var dir = Path.Combine(work, "services");
        var lines = await ServicesAsync("start", dir);
        string Value(string name)
        {
            var prefix = $"export {name}=";
            var line = lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"build/services.sh printed no {name}");
            return line[prefix.Length..].Trim('\'');
        }

        return new RedisAndPostgres(Value("TASKER_REDIS"), Value("TASKER_POSTGRES"), dir);
    }

    /// <summary>Stops the servers when this instance started them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_startedIn is not null)
        {
            await ServicesAsync("stop", _startedIn);
        }
    }

    private static async Task<string[]> ServicesAsync(string verb, string dir)
    {
        var start = new ProcessStartInfo(Path.Combine(Repository.Root, "build", "services.sh"))
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(verb);
        start.ArgumentList.Add(dir);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run build/services.sh");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"build/services.sh {verb} {dir} exited with {process.ExitCode}");
        }

        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
