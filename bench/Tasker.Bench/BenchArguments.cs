using System.Globalization;

namespace Tasker.Bench;

/// <summary>The command line of the long-jobs runs: <c>long &lt;mode&gt; [--low L] [--out FILE] [--work DIR] [--silo-env K=V]</c>.</summary>
public sealed record BenchArguments(
    string System,
    string Mode,
    int LowLoadTasks,
    string? OutFile,
    string WorkDirectory,
    IReadOnlyDictionary<string, string> SiloEnvironment)
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: Tasker.Bench long embedded|cluster [options]   (csv-export rows/s, pause/cancel latency, failover)
               Tasker.Bench hangfire-http inmemory|redis|sqlite --port P [--workers W] [--file F]   (Hangfire's peer host for bench/run.sh)
        options: --low L (pause and cancel tries, default 200)
                 --out FILE (write the figures too)  --work DIR (logs and services, default a temp dir)
                 --silo-env KEY=VALUE (repeatable: extra configuration for Tasker's silos, for experiments)
        Short tasks are measured by bench/run.sh with wrk. Cluster mode uses TASKER_REDIS and TASKER_POSTGRES when
        set, else starts throwaway servers with build/services.sh and stops them at the end.
        """;

    /// <summary>Parses the arguments after the verb; throws <see cref="ArgumentException"/> with a message for a person.</summary>
    public static BenchArguments Parse(string system, IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new ArgumentException("a mode is missing");
        }

        var mode = args[0];
        var low = 200;
        string? outFile = null, work = null;
        var siloEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--low": low = Number(args[i], value, 0); break;
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
        return new BenchArguments(system, mode, low, outFile, Path.GetFullPath(work), siloEnvironment);
    }

    private static int Number(string option, string value, int min) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new ArgumentException($"{option} must be a whole number >= {min.ToString(CultureInfo.InvariantCulture)}, not '{value}'");
}
