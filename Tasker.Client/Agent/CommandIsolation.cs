using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Tasker.Client.CommandLine;

namespace Tasker.Client.Agent;

/// <summary>The user commands run as (<c>--run-as</c>), looked up once at start.</summary>
internal sealed record RunAsUser(string Name, uint Uid, uint Gid, string Home, string Setpriv);

/// <summary>
/// What a command gets from the agent: an environment built from an allow-list (<c>PATH</c>, <c>HOME</c>, <c>LANG</c>
/// and the variables the operator names), never the agent's own, which holds its token; and, with <c>--run-as</c>,
/// another user, who cannot read the agent's <c>/proc</c> entries, its token file or its memory.
/// </summary>
internal sealed partial class CommandIsolation
{
    /// <summary>Always passed (when the agent has them): what a shell needs to find programs and speak the locale.</summary>
    public static readonly IReadOnlyList<string> Allowed = ["PATH", "HOME", "LANG"];

    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private CommandIsolation(IReadOnlyDictionary<string, string> environment, RunAsUser? runAs)
    {
        Environment = environment;
        RunAs = runAs;
    }

    /// <summary>The command's whole environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The user commands run as; null: the agent's own.</summary>
    public RunAsUser? RunAs { get; }

    /// <summary>
    /// The isolation from the agent's settings. A passed name that would hand over a secret of the agent's
    /// (<c>TASKER_AGENT_*</c>, <c>TASKER_API_KEY</c>, or any variable whose value holds the token) is refused.
    /// </summary>
    public static CommandIsolation Create(IEnumerable<string> passed, RunAsUser? runAs, string token, Func<string, string?> agentEnvironment)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in Allowed.Concat(passed).Distinct(StringComparer.Ordinal))
        {
            if (!VariableName().IsMatch(name))
            {
                throw new UsageException($"--pass-env (TASKER_AGENT_PASS_ENV) takes variable names (letters, digits, '_'), not '{name}'");
            }

            if (name.StartsWith("TASKER_AGENT_", StringComparison.Ordinal) || name == "TASKER_API_KEY")
            {
                throw new UsageException($"--pass-env (TASKER_AGENT_PASS_ENV) refuses {name}: it is the agent's own secret or setting, which commands must not see");
            }

            if (agentEnvironment(name) is not { } value)
            {
                continue;
            }

            if (value.Contains(token, StringComparison.Ordinal))
            {
                throw new UsageException($"--pass-env (TASKER_AGENT_PASS_ENV) refuses {name}: its value holds the agent token");
            }

            environment[name] = value;
        }

        environment.TryAdd("PATH", DefaultPath);
        if (runAs is not null)
        {
            environment["HOME"] = runAs.Home;
        }

        return new CommandIsolation(environment, runAs);
    }

    /// <summary>
    /// How to start <paramref name="command"/> under this isolation: its program directly when it needs no shell
    /// (<see cref="PlainCommand"/>), else <c>/bin/sh -c command</c>. <paramref name="direct"/> says which, so that a
    /// direct start that fails (a file the kernel will not run) is tried again through the shell.
    /// </summary>
    public ProcessStartInfo StartInfo(string command, out bool direct)
    {
        var workingDirectory = RunAs is { } user && Directory.Exists(user.Home) ? user.Home : RunAs is null ? System.Environment.CurrentDirectory : "/";
        if (PlainCommand.Words(command) is { } words
            && PlainCommand.Resolve(words[0], Environment["PATH"], workingDirectory, forOthers: RunAs is not null) is { } program)
        {
            direct = true;
            return Start([program, .. words.Skip(1)]);
        }

        direct = false;
        return ShellStartInfo(command);
    }

    /// <summary>How to start <c>/bin/sh -c command</c> under this isolation.</summary>
    public ProcessStartInfo ShellStartInfo(string command) => Start(["/bin/sh", "-c", command]);

    /// <summary>How to start <paramref name="argv"/> (the program's file first) under this isolation.</summary>
    private ProcessStartInfo Start(IReadOnlyList<string> argv)
    {
        var start = new ProcessStartInfo(RunAs?.Setpriv ?? argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (RunAs is { } user)
        {
            // setpriv switches user and groups and then execs the command (the shell, or the program itself): its
            // parent is still the agent, and nothing of root's stays with the command.
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--reuid={user.Uid}"));
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--regid={user.Gid}"));
            start.ArgumentList.Add("--init-groups");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(argv[0]);
            start.WorkingDirectory = Directory.Exists(user.Home) ? user.Home : "/";
        }

        foreach (var argument in argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>
    /// Looks up <paramref name="name"/> for <c>--run-as</c>, refusing at start what could not work or would not
    /// isolate: not Linux, an agent that is not root (only root can switch users), no such user, root itself, no setpriv.
    /// </summary>
    public static async Task<RunAsUser> ResolveRunAsAsync(string name, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new UsageException("--run-as (TASKER_AGENT_RUN_AS) works on Linux only");
        }

        var euid = LinuxProcess.EffectiveUserId();
        if (euid != 0)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--run-as (TASKER_AGENT_RUN_AS) needs the agent to run as root, which alone can switch each command to another user; this agent runs as uid {euid}"));
        }

        if (!UserName().IsMatch(name))
        {
            throw new UsageException($"--run-as (TASKER_AGENT_RUN_AS) takes a user name or uid, not '{name}'");
        }

        var entry = await GetentAsync(name, cancellationToken)
            ?? throw new UsageException($"--run-as (TASKER_AGENT_RUN_AS): there is no user '{name}' on this machine");
        var fields = entry.Split(':');
        if (fields.Length < 7 || !uint.TryParse(fields[2], CultureInfo.InvariantCulture, out var uid) || !uint.TryParse(fields[3], CultureInfo.InvariantCulture, out var gid))
        {
            throw new UsageException($"--run-as (TASKER_AGENT_RUN_AS): the passwd entry of '{name}' cannot be read");
        }

        if (uid == 0)
        {
            throw new UsageException($"--run-as (TASKER_AGENT_RUN_AS) must name a user other than root, not '{name}'");
        }

        var setpriv = new[] { "/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv", "/sbin/setpriv" }.FirstOrDefault(File.Exists)
            ?? throw new UsageException("--run-as (TASKER_AGENT_RUN_AS) needs setpriv (util-linux), which is not installed");
        return new RunAsUser(fields[0], uid, gid, fields[5], setpriv);
    }

    private static async Task<string?> GetentAsync(string name, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("getent") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("passwd");
        start.ArgumentList.Add(name);
        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            started = null;
        }

        using var process = started ?? throw new UsageException("--run-as (TASKER_AGENT_RUN_AS) needs getent to look the user up, which could not be started");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 && output.Trim() is { Length: > 0 } line ? line.Split('\n')[0] : null;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserName();
}
