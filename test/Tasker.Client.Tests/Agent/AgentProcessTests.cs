using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tasker.Client.Tests.Agent;

/// <summary>One silo process shared by the agent tests (each test starts and stops its own agents).</summary>
public sealed class AgentSiloFixture : IAsyncLifetime
{
    public SiloProcess Silo { get; } = new();

    public Task InitializeAsync() => Silo.StartAsync();

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>
/// Real <c>tasker agent</c> processes against a real silo process: every shell task runs exactly once, a killed
/// agent's task is taken over and its late report refused, cancel kills the command, output is bounded.
/// </summary>
public sealed class AgentProcessTests(AgentSiloFixture fixture) : IClassFixture<AgentSiloFixture>, IAsyncLifetime
{
    private readonly SiloProcess _silo = fixture.Silo;
    private readonly List<AgentProcess> _agents = [];
    private readonly string _work = Directory.CreateTempSubdirectory("tasker-agent-test-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        Directory.Delete(_work, recursive: true);
    }

    private AgentProcess StartAgent(string name, string logLevel = "info")
    {
        var agent = new AgentProcess(_silo, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)], logLevel);
        _agents.Add(agent);
        return agent;
    }

    private async Task<string> SubmitAsync(string command, int timeoutSeconds = 60, string priority = "normal")
    {
        using var response = await _silo.Http.PostAsJsonAsync("/tasks", new
        {
            type = "shell",
            @params = new { command, timeout_s = timeoutSeconds },
            client = "agent-tests",
            priority,
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> GetAsync(string id) => await _silo.Http.GetFromJsonAsync<JsonElement>($"/tasks/{id}");

    private async Task<JsonElement> WaitEndedAsync(string id, TimeSpan within, Func<JsonElement, bool>? until = null)
    {
        until ??= t => t.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled";
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var task = await GetAsync(id);
            if (until(task))
            {
                return task;
            }

            Assert.True(DateTime.UtcNow < deadline, $"task {id} did not get there in time: {task}\nsilo:\n{_silo.Log}\nagents:\n{string.Join("\n", _agents.Select(a => a.Log))}");
            await Task.Delay(100);
        }
    }

    private static bool IsGone(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..].StartsWith('Z'); // A zombie has stopped; only its exit status is left.
        }
        catch (IOException)
        {
            return true;
        }
    }

    [Fact]
    public async Task Two_agents_run_forty_tasks_each_exactly_once_with_their_outputs_and_exit_codes()
    {
        var ledger = Path.Combine(_work, "ledger");
        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add(await SubmitAsync(string.Create(CultureInfo.InvariantCulture, $"echo {i} >> {ledger}; echo out-{i}; echo err-{i} >&2; sleep 0.05; exit {i % 3}")));
        }

        StartAgent("twin-a");
        StartAgent("twin-b");

        var agentsSeen = new HashSet<string>();
        for (var i = 0; i < ids.Count; i++)
        {
            var task = await WaitEndedAsync(ids[i], TimeSpan.FromSeconds(90));
            var result = task.GetProperty("result");
            Assert.Equal(i % 3 == 0 ? "succeeded" : "failed", task.GetProperty("status").GetString());
            Assert.Equal(i % 3, result.GetProperty("exit_code").GetInt32());
            Assert.Equal($"out-{i}\n", result.GetProperty("stdout").GetString());
            Assert.Equal($"err-{i}\n", result.GetProperty("stderr").GetString());
            Assert.Equal(1, result.GetProperty("attempt").GetInt32());
            agentsSeen.Add(result.GetProperty("agent").GetString()!);
        }

        var lines = await File.ReadAllLinesAsync(ledger);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => i.ToString(CultureInfo.InvariantCulture)).Order(), lines.Order());
        Assert.Equal(2, agentsSeen.Count);
    }

    [Fact]
    public async Task One_agent_runs_the_queue_high_priority_first_then_earliest_first()
    {
        var ledger = Path.Combine(_work, "order");
        var expected = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await SubmitAsync($"echo normal-{i} >> {ledger}");
            expected.Add($"normal-{i}");
        }

        var last = await SubmitAsync($"echo high >> {ledger}", priority: "high");
        expected.Insert(0, "high");
        var end = await SubmitAsync($"echo low >> {ledger}", priority: "low");
        expected.Add("low");

        StartAgent("orderly");
        await WaitEndedAsync(end, TimeSpan.FromSeconds(60));
        await WaitEndedAsync(last, TimeSpan.FromSeconds(5));
        Assert.Equal(expected, await File.ReadAllLinesAsync(ledger));
    }

    [Fact]
    public async Task A_task_of_an_agent_killed_mid_command_is_finished_by_another_and_the_dead_agents_late_finish_is_refused()
    {
        var doomed = StartAgent("doomed", logLevel: "debug");
        var id = await SubmitAsync("sleep 2; echo survived");
        await doomed.WaitForLogAsync($"task={id}", TimeSpan.FromSeconds(30));
        await WaitEndedAsync(id, TimeSpan.FromSeconds(10), t => t.GetProperty("status").GetString() == "running");
        var lease = doomed.Log.Split('\n').Single(l => l.Contains($"task={id}", StringComparison.Ordinal) && l.Contains("lease=", StringComparison.Ordinal))
            .Split(' ').Single(f => f.StartsWith("lease=", StringComparison.Ordinal))["lease=".Length..].Trim();

        await doomed.KillAsync(); // kill -9 while the command sleeps.
        var heir = StartAgent("heir");

        var task = await WaitEndedAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal("succeeded", task.GetProperty("status").GetString());
        var result = task.GetProperty("result");
        Assert.Equal(heir.Name, result.GetProperty("agent").GetString());
        Assert.Equal(2, result.GetProperty("attempt").GetInt32());
        Assert.Equal("survived\n", result.GetProperty("stdout").GetString());

        // The dead agent's report, replayed late: refused, and the task is as it was.
        using var late = new HttpRequestMessage(HttpMethod.Post, $"/tasks/{id}/finish")
        {
            Content = JsonContent.Create(new { lease, exitCode = 0, stdout = "from the dead" }),
        };
        late.Headers.Authorization = new("Bearer", SiloProcess.Token);
        using var response = await _silo.Http.SendAsync(late);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var after = await GetAsync(id);
        Assert.Equal(task.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.Equal("survived\n", after.GetProperty("result").GetProperty("stdout").GetString());
    }

    [Fact]
    public async Task Cancelling_a_running_sleep_600_kills_its_processes_within_2_s()
    {
        StartAgent("canceller");
        var pids = Path.Combine(_work, "pids");
        var id = await SubmitAsync($"sleep 600 & echo $! > {pids}; echo $$ >> {pids}; wait", timeoutSeconds: 3600);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!File.Exists(pids) || File.ReadAllLines(pids).Length < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the command did not start");
            await Task.Delay(50);
        }

        var processes = File.ReadAllLines(pids).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
        Assert.All(processes, pid => Assert.False(IsGone(pid)));

        using var cancel = await _silo.Http.PostAsync($"/tasks/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelledAt = DateTime.UtcNow;
        while (!processes.All(IsGone))
        {
            Assert.True(DateTime.UtcNow - cancelledAt < TimeSpan.FromSeconds(2), "the command's processes were still alive 2 s after the cancel");
            await Task.Delay(20);
        }

        Assert.Equal("cancelled", (await GetAsync(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_command_printing_10_MB_is_stored_capped_and_marked_truncated_and_the_silo_does_not_swell()
    {
        StartAgent("chatty");
        var before = _silo.ResidentBytes();
        var id = await SubmitAsync("head -c 10485760 /dev/zero | tr '\\0' x; echo done >&2");
        var task = await WaitEndedAsync(id, TimeSpan.FromSeconds(60));
        var result = task.GetProperty("result");
        Assert.Equal("succeeded", task.GetProperty("status").GetString());
        Assert.Equal(64 * 1024, result.GetProperty("stdout").GetString()!.Length);
        Assert.True(result.GetProperty("stdout_truncated").GetBoolean());
        Assert.Equal("done\n", result.GetProperty("stderr").GetString());
        Assert.False(result.GetProperty("stderr_truncated").GetBoolean());
        Assert.True(_silo.ResidentBytes() - before < 50L * 1024 * 1024, "the silo's memory grew by 50 MB or more");
    }

    [Fact]
    public async Task A_command_over_its_time_limit_is_killed_and_fails_as_timed_out()
    {
        StartAgent("patient");
        var id = await SubmitAsync("sleep 30", timeoutSeconds: 1);
        var task = await WaitEndedAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal("failed", task.GetProperty("status").GetString());
        Assert.True(task.GetProperty("result").GetProperty("timed_out").GetBoolean());
        Assert.Contains("timed out after 1 s", task.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_stopped_with_sigterm_kills_its_command_releases_the_task_and_exits_0()
    {
        var leaving = StartAgent("leaving");
        var id = await SubmitAsync("sleep 600", timeoutSeconds: 3600);
        await leaving.WaitForLogAsync($"task={id}", TimeSpan.FromSeconds(30));
        Assert.True(await leaving.TerminateAsync(TimeSpan.FromSeconds(10)), $"the agent did not stop:\n{leaving.Log}");
        Assert.Equal(0, leaving.ExitCode);
        Assert.Contains("released", leaving.Log, StringComparison.Ordinal);
        var task = await GetAsync(id);
        Assert.Equal("queued", task.GetProperty("status").GetString());
        using var cancel = await _silo.Http.PostAsync($"/tasks/{id}/cancel", null);
    }

    [Fact]
    public async Task An_agent_with_a_wrong_token_says_so_and_exits_2()
    {
        var agent = new WrongTokenAgent(_silo);
        await using (agent)
        {
            Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the agent did not exit:\n{agent.Log}");
            Assert.Equal(2, agent.ExitCode);
            Assert.Contains("refuses this agent's token", agent.Log, StringComparison.Ordinal);
        }
    }

    private sealed class WrongTokenAgent : OwnedProcess
    {
        public WrongTokenAgent(SiloProcess silo) =>
            Start(Assembly("AgentAssembly"), ["agent", "--url", silo.Url], new Dictionary<string, string> { ["TASKER_AGENT_TOKEN"] = "not-the-token-0123456789" });
    }
}

/// <summary>Without authentication, a silo that listens beyond loopback refuses shell tasks.</summary>
public sealed class ShellExposureTests
{
    [Fact]
    public async Task A_silo_asked_to_listen_on_all_interfaces_without_authentication_never_serves_shell_tasks_it_refuses_to_start()
    {
        // Embedded mode without authentication listens on loopback only (docs/adr/015), so shell tasks, which are
        // remote code execution, are never reachable from the network without a signed-in user with the shell role.
        await using var silo = new SiloProcess(host: "0.0.0.0");

        await Assert.ThrowsAnyAsync<Exception>(() => silo.StartAsync());

        // The process's output is read asynchronously: its last line may arrive just after it exited.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!silo.Log.Contains("listens on loopback only", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains("listens on loopback only", silo.Log, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0", silo.Log, StringComparison.Ordinal);
    }
}
