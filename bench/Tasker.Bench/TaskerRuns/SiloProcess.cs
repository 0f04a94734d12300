using System.Diagnostics;
using System.Globalization;
using Tasker.Bench.Measuring;
using Tasker.Bench.Servers;

namespace Tasker.Bench.TaskerRuns;

/// <summary>
/// One Tasker silo run as an operator runs it: <c>dotnet Tasker.Silo.dll</c> from its Release build folder,
/// configured by environment, its output in a log file. Its pid goes into <c>&lt;work&gt;/silo-&lt;name&gt;.pid</c>
/// so that a script can stop it if this program dies.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly List<SiloProcess> _running = [];
    private readonly Process _process;
    private readonly string _pidFile;

    static SiloProcess()
    {
        // Stop what is left when this program is stopped (Ctrl+C, SIGTERM) or ends on an exception.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private SiloProcess(Process process, Uri url, string log, string pidFile)
    {
        _process = process;
        Url = url;
        Log = log;
        _pidFile = pidFile;
    }

    /// <summary>The silo's HTTP address.</summary>
    public Uri Url { get; }

    /// <summary>The silo's log file.</summary>
    public string Log { get; }

    /// <summary>The silo's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>The silo's peak RSS so far, in MiB.</summary>
    public double PeakRssMiB => ProcessMemory.PeakRssMiB(_process.Id);

    /// <summary>Starts a silo with <paramref name="environment"/> added to this process's and waits until it is live.</summary>
    public static async Task<SiloProcess> StartAsync(string name, string work, IReadOnlyDictionary<string, string?> environment)
    {
        var bin = Path.Combine(Repository.Root, "Tasker.Silo", "bin", "Release", "net10.0");
        var dll = Path.Combine(bin, "Tasker.Silo.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build Tasker.sln in Release first");
        }

        var port = FreePorts.Take(1)[0];
        var url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var log = Path.Combine(work, $"silo-{name}.log");
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = bin, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec dotnet \"$0\" </dev/null >\"$1\" 2>&1");
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(log);
        start.Environment.Remove("ConnectionStrings__Redis");
        start.Environment.Remove("ConnectionStrings__Postgres");
        start.Environment["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/');
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["Tasker__Embedded__Storage"] = "memory"; // The embedded row is the in-memory mode; a setting may override it.
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the silo");
        var pidFile = Path.Combine(work, $"silo-{name}.pid");
        await File.WriteAllTextAsync(pidFile, process.Id.ToString(CultureInfo.InvariantCulture));
        var silo = new SiloProcess(process, url, log, pidFile);
        lock (_running)
        {
            _running.Add(silo);
        }

        try
        {
            await silo.WaitLiveAsync(TimeSpan.FromSeconds(90));
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }

        return silo;
    }

    /// <summary>
    /// How the benchmark configures a silo: cluster <paramref name="run"/> on free loopback ports, a files directory in
    /// the work directory, the servers when given (cluster mode), then the --silo-env settings.
    /// </summary>
    public static Dictionary<string, string?> Settings(BenchArguments options, string run, RedisAndPostgres? servers)
    {
        var ports = FreePorts.Take(2);
        var environment = new Dictionary<string, string?>
        {
            ["Orleans__ClusterId"] = run,
            ["Orleans__ServiceId"] = run,
            ["Orleans__SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Tasker__Files__Path"] = Directory.CreateDirectory(Path.Combine(options.WorkDirectory, "files")).FullName,
            ["ConnectionStrings__Redis"] = servers?.Redis,
            ["ConnectionStrings__Postgres"] = servers?.Postgres,
            // The figures so far are without authentication; cluster mode now defaults to it (--silo-env overrides).
            ["Tasker__Auth__Enabled"] = "false",
        };
        foreach (var (key, value) in options.SiloEnvironment)
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>Stops the silo: SIGTERM (a graceful leave), SIGKILL after 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }

        lock (_running)
        {
            _running.Remove(this);
        }

        File.Delete(_pidFile);
        _process.Dispose();
    }

    private static void KillAll()
    {
        lock (_running)
        {
            foreach (var silo in _running)
            {
                try
                {
                    silo._process.Kill();
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        }
    }

    private async Task WaitLiveAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the silo exited with {_process.ExitCode} before it was live; see {Log}");
            }

            try
            {
                using var answer = await http.GetAsync(new Uri("health/ready", UriKind.Relative));
                if (answer.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the silo was not ready within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; see {Log}");
    }
}
