using System.Diagnostics;
using System.Text;
using Tasker.Testing;

namespace Tasker.Cluster.Tests;

/// <summary>
/// One Tasker silo as a real process in cluster mode, configured by environment alone, as an operator would run it.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly StringBuilder _log = new();
    private readonly Dictionary<string, string> _environment;
    private Process? _process;
    private bool _logCut;

    public SiloProcess(ClusterServers servers, string clusterId, IReadOnlyDictionary<string, string>? settings = null)
        : this(new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = servers.Redis,
            ["ConnectionStrings__Postgres"] = servers.Postgres,
        }, clusterId, settings)
    {
    }

    private SiloProcess(Dictionary<string, string> connections, string clusterId, IReadOnlyDictionary<string, string>? settings)
    {
        HttpPort = TestHosting.FreePort();
        SiloPort = TestHosting.FreePort();
        _environment = new Dictionary<string, string>(connections)
        {
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__ServiceId"] = clusterId,
            ["Orleans__SiloPort"] = SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{HttpPort}",
            ["Tasker__ReminderPeriod"] = "00:00:05",
            // Cluster mode has authentication on by default: these tests act as the configured admin, who sees every client.
            ["Tasker__Auth__AdminName"] = AdminName,
            ["Tasker__Auth__AdminPassword"] = AdminPassword,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Tasker"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _environment[key] = value;
        }

        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(40) };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AdminName}:{AdminPassword}")));
    }

    /// <summary>An embedded silo (no Redis, no PostgreSQL) keeping its state in <paramref name="dataPath"/> (docs/adr/019).</summary>
    public static SiloProcess Embedded(string dataPath, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["Tasker__Embedded__DataPath"] = dataPath,
            ["Tasker__ChunkBudget"] = "00:00:00.020",
            ["Tasker__DataSet__Rows"] = "100",
            ["Tasker__Auth__Enabled"] = "true", // So that the admin's credentials below are accepted, as in cluster mode.
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return new SiloProcess([], "embedded", all);
    }

    /// <summary>The process's id while it runs.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>Starts the process and waits for it to exit by itself (a start-up refusal); its exit code.</summary>
    public async Task<int> StartExpectingExitAsync(TimeSpan within)
    {
        Launch();
        using var timeout = new CancellationTokenSource(within);
        await _process!.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public const string AdminName = "admin";
    public const string AdminPassword = "cluster-tests-admin";

    public int HttpPort { get; }

    /// <summary>The Orleans silo-to-silo port (no gateway unless <c>Orleans__GatewayPort</c> is in the settings).</summary>
    public int SiloPort { get; }

    public HttpClient Http { get; }

    /// <summary>
    /// How many characters of the silo's output <see cref="Log"/> keeps (the rest is dropped, and <see cref="LogCut"/> says
    /// so): enough for a failure message by default; a test that counts lines raises it.
    /// </summary>
    public int LogLimit { get; init; } = 200_000;

    /// <summary>Whether a line was dropped for <see cref="LogLimit"/>: a count of lines in <see cref="Log"/> is then short.</summary>
    public bool LogCut
    {
        get
        {
            lock (_log)
            {
                return _logCut;
            }
        }
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the process and waits until it reports ready.</summary>
    public async Task StartAsync(TimeSpan? within = null)
    {
        Launch();
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"the silo exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var response = await Http.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the silo was not ready in time:\n{Log}");
            }

            await Task.Delay(250);
        }
    }

    private void Launch()
    {
        var start = new ProcessStartInfo("dotnet", [ClusterServers.SiloAssembly])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(ClusterServers.SiloAssembly)!,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start a silo");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>kill -9: no shutdown, no goodbye to the cluster.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>A graceful stop (SIGTERM), as an operator's restart.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term!.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        Http.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Length < LogLimit)
            {
                _log.AppendLine(line);
            }
            else
            {
                _logCut = true;
            }
        }
    }
}
