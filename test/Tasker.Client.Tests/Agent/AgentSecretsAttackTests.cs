using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Text.Json;

namespace Tasker.Client.Tests.Agent;

/// <summary>
/// The attack: a shell task whose command reads what the agent that runs it holds (its environment, its command
/// line, its /proc entries) to steal the agent token and then pick or forge other users' tasks. Real
/// <c>tasker agent</c> processes against a real silo; the tests run as root, so that agents can switch to <c>nobody</c>.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class AgentSecretsAttackTests(AgentSiloFixture fixture) : IClassFixture<AgentSiloFixture>, IAsyncLifetime
{
    private const string Steal = "env; echo '--cmdline--'; cat /proc/$PPID/cmdline | tr '\\0' ' '; echo; echo '--environ--'; cat /proc/$PPID/environ | tr '\\0' '\\n'";
    private readonly SiloProcess _silo = fixture.Silo;
    private readonly List<OwnedProcess> _agents = [];
    private readonly string _work = Directory.CreateTempSubdirectory("tasker-agent-secrets-").FullName;

    public Task InitializeAsync()
    {
        Assert.True(Environment.UserName == "root", "these tests run as root: they start agents that switch to the user nobody");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task A_command_gets_only_PATH_HOME_LANG_and_the_passed_variables_not_the_token_nor_the_agents_other_variables()
    {
        StartAgent(["--pass-env", "PASSED_BY_THE_OPERATOR"], new()
        {
            ["TASKER_AGENT_TOKEN"] = SiloProcess.Token,
            ["AGENT_OWN_SETTING"] = "agent-only-value",
            ["PASSED_BY_THE_OPERATOR"] = "for-the-commands",
            ["LANG"] = "C.UTF-8",
        });

        var (stdout, stderr) = await RunAsync("env");

        var variables = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')[0]).ToHashSet();
        Assert.DoesNotContain(SiloProcess.Token, stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("TASKER_AGENT_TOKEN", variables);
        Assert.DoesNotContain("AGENT_OWN_SETTING", variables);
        Assert.Contains("PASSED_BY_THE_OPERATOR=for-the-commands", stdout, StringComparison.Ordinal);
        Assert.Contains("LANG=C.UTF-8", stdout, StringComparison.Ordinal);
        Assert.Contains("PATH", variables);
        Assert.Subset(new HashSet<string> { "PATH", "HOME", "LANG", "PASSED_BY_THE_OPERATOR", "PWD", "SHLVL", "_" }, variables); // The last three: the shell's own.
    }

    [Fact]
    public async Task A_command_that_needs_no_shell_runs_as_the_agents_own_child_with_only_the_commands_environment()
    {
        StartAgent([], new() { ["TASKER_AGENT_TOKEN"] = SiloProcess.Token, ["AGENT_OWN_SETTING"] = "agent-only-value" });

        var (stat, _) = await RunAsync("cat /proc/self/stat");
        Assert.Equal(_agents[^1].Pid, ParentOf(stat)); // No shell between the agent and the program.
        var (environment, _) = await RunAsync("env");
        var variables = environment.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')[0]).ToHashSet();
        Assert.Contains("PATH", variables);
        Assert.Subset(new HashSet<string> { "PATH", "HOME", "LANG" }, variables); // Not even a shell's own variables.
        Assert.DoesNotContain(SiloProcess.Token, environment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_needs_no_shell_run_as_nobody_runs_as_nobody_through_setpriv_alone()
    {
        StartAgent(["--run-as", "nobody"], new() { ["TASKER_AGENT_TOKEN"] = SiloProcess.Token });

        var (user, _) = await RunAsync("id -un");
        Assert.Equal("nobody\n", user);
        var (stat, _) = await RunAsync("cat /proc/self/stat");
        Assert.Equal(_agents[^1].Pid, ParentOf(stat)); // setpriv switched the user and became the program.
        var (token, denied) = await RunAsync($"cat /proc/{_agents[^1].Pid}/environ");
        Assert.Contains("Permission denied", denied, StringComparison.Ordinal);
        Assert.DoesNotContain(SiloProcess.Token, token, StringComparison.Ordinal);
    }

    /// <summary>The parent pid in a <c>/proc/PID/stat</c> line: "pid (name) state ppid ...".</summary>
    private static int ParentOf(string stat) =>
        int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_agent_given_the_token_on_its_command_line_refuses_to_start_and_never_calls_the_silo()
    {
        var agent = new SecretsAgent(_silo, ["--token", SiloProcess.Token], new());
        _agents.Add(agent);

        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the agent did not exit:\n{agent.Log}");
        Assert.Equal(2, agent.ExitCode);
        Assert.Contains("--token is refused", agent.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("agent started", agent.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_reading_the_agents_command_line_and_environment_finds_no_token_when_it_came_from_a_file()
    {
        var file = Path.Combine(_work, "token");
        await File.WriteAllTextAsync(file, SiloProcess.Token + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        StartAgent(["--token-file", file], new());

        var (stdout, stderr) = await RunAsync(Steal);

        Assert.Contains("--token-file", stdout, StringComparison.Ordinal); // The command line was read: it holds the file's name only.
        Assert.DoesNotContain(SiloProcess.Token, stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_reading_the_agents_command_line_and_environment_finds_no_token_when_it_came_from_stdin()
    {
        StartAgent(["--token-stdin"], new(), stdin: SiloProcess.Token);

        var (stdout, stderr) = await RunAsync(Steal);

        Assert.Contains("--token-stdin", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(SiloProcess.Token, stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_run_as_nobody_cannot_read_the_token_from_the_root_agents_environment_nor_its_token_file()
    {
        var file = Path.Combine(_work, "token");
        await File.WriteAllTextAsync(file, SiloProcess.Token + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        StartAgent(["--run-as", "nobody"], new() { ["TASKER_AGENT_TOKEN"] = SiloProcess.Token });

        var (stdout, stderr) = await RunAsync($"id -un; {Steal}; cat /proc/$PPID/mem | head -c 1; cat {file}");

        Assert.StartsWith("nobody\n", stdout, StringComparison.Ordinal);
        Assert.Contains("Permission denied", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(SiloProcess.Token, stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_of_an_agent_running_as_an_unprivileged_user_cannot_read_the_token_from_the_agents_environment()
    {
        // As in docker-compose.yml: the agent is not root, has its token in its environment, and its commands run as
        // its own user, who may read /proc/<pid>/environ of its own processes unless the agent forbids it.
        StartAgent([], new() { ["TASKER_AGENT_TOKEN"] = SiloProcess.Token }, asNobody: true);

        var (stdout, stderr) = await RunAsync($"id -un; {Steal}");

        Assert.StartsWith("nobody\n", stdout, StringComparison.Ordinal);
        Assert.Contains("--environ--", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(SiloProcess.Token, stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_that_is_not_root_refuses_run_as_at_start()
    {
        var agent = new SecretsAgent(_silo, ["--run-as", "nobody"], new() { ["TASKER_AGENT_TOKEN"] = SiloProcess.Token }, asNobody: true, copyTo: _work);
        _agents.Add(agent);

        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the agent did not exit:\n{agent.Log}");
        Assert.Equal(2, agent.ExitCode);
        Assert.Contains("--run-as (TASKER_AGENT_RUN_AS) needs the agent to run as root", agent.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_given_the_published_example_agent_token_refuses_to_start()
    {
        await using var silo = new SiloProcess(new Dictionary<string, string> { ["Tasker__Agents__Token"] = "change-me-agent-token-0123456789" });

        await Assert.ThrowsAnyAsync<Exception>(silo.StartAsync);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!silo.Log.Contains("published example token", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains("published example token", silo.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("change-me-agent-token-0123456789", silo.Log, StringComparison.Ordinal);
    }

    private void StartAgent(string[] arguments, Dictionary<string, string> environment, string? stdin = null, bool asNobody = false) =>
        _agents.Add(new SecretsAgent(_silo, ["--name", $"thief-{Guid.NewGuid():N}"[..14], .. arguments], environment, stdin, asNobody, _work));

    /// <summary>Submits <paramref name="command"/> as a shell task and waits for an agent to run it; its outputs.</summary>
    private async Task<(string Stdout, string Stderr)> RunAsync(string command)
    {
        using var response = await _silo.Http.PostAsJsonAsync("/tasks", new
        {
            type = "shell",
            @params = new { command, timeout_s = 30 },
            client = "agent-secrets-attack",
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var task = await _silo.Http.GetFromJsonAsync<JsonElement>($"/tasks/{id}");
            if (task.GetProperty("status").GetString() is "succeeded" or "failed" && task.TryGetProperty("result", out var result))
            {
                return (result.GetProperty("stdout").GetString()!, result.GetProperty("stderr").GetString()!);
            }

            Assert.True(DateTime.UtcNow < deadline, $"task {id} did not end in time: {task}\nagents:\n{string.Join("\n", _agents.Select(a => a.Log))}");
            await Task.Delay(100);
        }
    }

    /// <summary>A <c>tasker agent</c> with the given options and environment; as <c>nobody</c> from a copy of its build output that nobody can read.</summary>
    private sealed class SecretsAgent : OwnedProcess
    {
        public SecretsAgent(
            SiloProcess silo, string[] arguments, Dictionary<string, string> environment, string? stdin = null, bool asNobody = false, string? copyTo = null)
        {
            var assembly = Assembly("AgentAssembly");
            environment["POLL_INTERVAL"] = "1s";
            string[] agent = ["agent", "--url", silo.Url, .. arguments];
            if (!asNobody)
            {
                StartProgram("dotnet", [assembly, .. agent], Path.GetDirectoryName(assembly)!, environment, stdin);
                return;
            }

            // The build output may sit where nobody cannot go (a home directory): nobody runs a readable copy.
            var directory = Path.Combine(copyTo!, $"agent-{Guid.NewGuid():N}");
            CopyReadable(Path.GetDirectoryName(assembly)!, directory);
            File.SetUnixFileMode(copyTo!, Readable | UnixFileMode.UserWrite);
            StartProgram(
                "setpriv",
                ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "dotnet", Path.Combine(directory, Path.GetFileName(assembly)), .. agent],
                directory, environment, stdin);
        }

        private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

        private static void CopyReadable(string from, string to)
        {
            Directory.CreateDirectory(to);
            File.SetUnixFileMode(to, Readable | UnixFileMode.UserWrite);
            foreach (var file in Directory.GetFiles(from))
            {
                var copy = Path.Combine(to, Path.GetFileName(file));
                File.Copy(file, copy);
                File.SetUnixFileMode(copy, Readable | UnixFileMode.UserWrite);
            }

            foreach (var directory in Directory.GetDirectories(from))
            {
                CopyReadable(directory, Path.Combine(to, Path.GetFileName(directory)));
            }
        }
    }
}
