using System.Globalization;

namespace Tasker.Bench;

/// <summary>The command line: <c>&lt;system&gt; &lt;mode&gt; [--n N] [--k K] [--low L] [--warmup W] [--out FILE] [--work DIR]</c>.</summary>
public sealed record BenchArguments(
    string System,
    string Mode,
    int Tasks,
    int Concurrency,
    int LowLoadTasks,
    int WarmupTasks,
    string? OutFile,
    string WorkDirectory,
    IReadOnlyDictionary<string, string> SiloEnvironment)
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: Tasker.Bench tasker   embedded|cluster-1|cluster-2 [options]
               Tasker.Bench hangfire inmemory|redis|postgres    [options]
               Tasker.Bench long     embedded|cluster [--low TRIES] [--silo-env ...]   (csv-export rows/s, pause/cancel latency, failover)
               Tasker.Bench report <results-dir>
        options: --n N (tasks under load, default 10000)  --k K (concurrent submitters, default 16)
                 --low L (one-at-a-time tasks, default 200)  --warmup W (default 5000)
                 --out FILE (write the result as JSON)  --work DIR (logs and services, default a temp dir)
                 --silo-env KEY=VALUE (repeatable: extra configuration for Tasker's silos, for experiments)
        Cluster and Redis/PostgreSQL modes use TASKER_REDIS and TASKER_POSTGRES when set, else start throwaway
        servers with build/services.sh and stop them at the end.
        """;

    /// <summary>Parses the arguments after the verb; throws <see cref="ArgumentException"/> with a message for a person.</summary>
    public static BenchArguments Parse(string system, IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new ArgumentException("a mode is missing");
        }

        var mode = args[0];
        int tasks = 10_000, concurrency = 16, low = 200, warmup = 5_000;
        string? outFile = null, work = null;
        var siloEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--n": tasks = Number(args[i], value, 1); break;
                case "--k": concurrency = Number(args[i], value, 1); break;
                case "--low": low = Number(args[i], value, 0); break;
                case "--warmup": warmup = Number(args[i], value, 0); break;
                case "--out": outFile = value; break;
                case "--work": work = value; break;
                case "--silo-env" when value.IndexOf('=', StringComparison.Ordinal) > 0:
                    siloEnvironment[value[..value.IndexOf('=', StringComparison.Ordinal)]] = value[(value.IndexOf('=', StringComparison.Ordinal) + 1)..];
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }

            i++;
        }

        work ??= Directory.CreateTempSubdirectory("tasker-bench.").FullName;
        Directory.CreateDirectory(work);
        return new BenchArguments(system, mode, tasks, concurrency, low, warmup, outFile, Path.GetFullPath(work), siloEnvironment);
    }

    private static int Number(string option, string value, int min) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new ArgumentException($"{option} must be a whole number >= {min.ToString(CultureInfo.InvariantCulture)}, not '{value}'");
}
