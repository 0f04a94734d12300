using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Tasker.Client.Tests.Agent;

/// <summary>A process a test starts (a silo or a <c>tasker agent</c>), with its output kept for assertions and failure messages.</summary>
public abstract class OwnedProcess : IAsyncDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

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

    public int Pid => _process?.Id ?? 0;

    public bool HasExited => _process?.HasExited ?? true;

    public int ExitCode => _process!.ExitCode;

    /// <summary>The path of a build output named by the test assembly's metadata.</summary>
    public static string Assembly(string key) => Path.GetFullPath(
        typeof(OwnedProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!);

    protected void Start(string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment) =>
        StartProgram("dotnet", [assembly, .. arguments], Path.GetDirectoryName(assembly)!, environment);

    /// <summary>Starts <paramref name="program"/>; <paramref name="stdin"/>, when given, is written to its input, which is then closed.</summary>
    protected void StartProgram(
        string program, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment, string? stdin = null)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        if (stdin is not null)
        {
            _process.StandardInput.WriteLine(stdin);
            _process.StandardInput.Close();
        }

        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>kill -9 of this process alone: its children (a running command) are left behind, as a real crash leaves them.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, then waits up to <paramref name="within"/> for the process to exit; true when it did.</summary>
    public async Task<bool> TerminateAsync(TimeSpan within)
    {
        if (_process is not { HasExited: false } process)
        {
            return true;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term!.WaitForExitAsync();
        }

        return await WaitForExitAsync(within);
    }

    /// <summary>
    /// Waits up to <paramref name="within"/> for the process to exit and for its output to be read to the end (the last
    /// lines arrive after the exit, asynchronously); true when it did.
    /// </summary>
    public async Task<bool> WaitForExitAsync(TimeSpan within)
    {
        if (_process is not { } process)
        {
            return true;
        }

        using var timeout = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Waits until the output holds <paramref name="text"/>.</summary>
    public async Task WaitForLogAsync(string text, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' did not appear in time; the log:\n{Log}");
            await Task.Delay(50);
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Length < 500_000)
            {
                _log.AppendLine(line);
            }
        }
    }
}

/// <summary>A Tasker silo in embedded mode as a real process, with shell tasks on and an agent token, on free ports.</summary>
public sealed class SiloProcess : OwnedProcess
{
    public const string Token = "agent-test-token-0123456789";

    private readonly Dictionary<string, string> _environment;

    public SiloProcess(IReadOnlyDictionary<string, string>? settings = null, string host = "127.0.0.1")
    {
        HttpPort = Testing.TestHosting.FreePort();
        _environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://{host}:{HttpPort}",
            ["Orleans__SiloPort"] = Testing.TestHosting.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = Testing.TestHosting.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Tasker__Shell__Enabled"] = "true",
            ["Tasker__Agents__Token"] = Token,
            ["Tasker__Shell__LeaseDuration"] = "00:00:03",
            ["Tasker__Shell__SweepInterval"] = "00:00:00.250",
            ["Tasker__Embedded__Storage"] = "memory", // No test reads another's file.
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Tasker"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _environment[key] = value;
        }

        Url = $"http://127.0.0.1:{HttpPort}";
        Http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
    }

    public int HttpPort { get; }

    public string Url { get; }

    public HttpClient Http { get; }

    /// <summary>Starts the silo and waits until it is ready.</summary>
    public async Task StartAsync()
    {
        Start(Assembly("SiloAssembly"), [], _environment);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            Assert.False(HasExited, $"the silo exited:\n{Log}");
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

            Assert.True(DateTime.UtcNow < deadline, $"the silo was not ready in time:\n{Log}");
            await Task.Delay(250);
        }
    }

    /// <summary>The silo's resident memory, in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Http.Dispose();
    }
}

/// <summary>A <c>tasker agent</c> as a real process, configured as an operator would: options and environment.</summary>
public sealed class AgentProcess : OwnedProcess
{
    public AgentProcess(SiloProcess silo, string name, string logLevel = "info", string pollInterval = "1s")
    {
        Name = name;
        Start(Assembly("AgentAssembly"), ["agent", "--url", silo.Url, "--name", name], new Dictionary<string, string>
        {
            ["TASKER_AGENT_TOKEN"] = SiloProcess.Token,
            ["POLL_INTERVAL"] = pollInterval,
            ["LOG_LEVEL"] = logLevel,
        });
    }

    public string Name { get; }
}
