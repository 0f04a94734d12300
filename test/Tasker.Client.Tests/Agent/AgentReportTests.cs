using Tasker.Client.CommandLine;

namespace Tasker.Client.Tests.Agent;

/// <summary>
/// How <c>tasker agent</c> reports and takes its next task: one request per task where the server picks on finish, the
/// plain finish where it does not (an older server), and a task handed over as the agent stops goes back to the queue.
/// </summary>
public sealed class AgentReportTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("tasker-agent-report-").FullName;
    private readonly string _tokenFile;

    public AgentReportTests()
    {
        _tokenFile = Path.Combine(_work, "token");
        File.WriteAllText(_tokenFile, "t0123456789abcdef\n");
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private (string Id, string Command) Touching(string id) => (id, $"touch {Path.Combine(_work, id)}");

    [Fact]
    public async Task The_report_brings_the_next_task_and_the_agent_runs_it_without_picking()
    {
        var server = new ScriptedAgentServer(pickOnFinish: true, Touching("a1"), Touching("a2"), Touching("a3"));
        var (exitCode, log) = await server.RunAgentAsync(_tokenFile, () => server.Calls.Count(call => !call.StartsWith("heartbeat", StringComparison.Ordinal)) >= 6);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal(["a1", "a2", "a3"], server.Finished);
        Assert.All(server.Finished, id => Assert.True(File.Exists(Path.Combine(_work, id)), $"{id}'s command did not run\n{log}"));
        // One pick for the first task (the queue was empty: nothing is picked ahead of it); its report brings the next,
        // and more may wait, so the third is picked ahead while the second runs; the second's report, sent while the
        // third runs, picks ahead and finds none; the third's report finds none, and the agent picks.
        Assert.Equal(
            ["pick", "finish-and-pick a1", "pick ahead", "finish-and-pick a2 ahead", "finish-and-pick a3", "pick"],
            server.Calls.Where(call => !call.StartsWith("heartbeat", StringComparison.Ordinal)).Take(6)); // A slow start may beat once.
    }

    [Fact]
    public async Task A_task_picked_ahead_of_a_command_that_runs_on_is_released_for_another_agent_and_not_run()
    {
        var server = new ScriptedAgentServer(pickOnFinish: true, Touching("d1"), ("d2", "sleep 2"), Touching("d3"));
        var (exitCode, log) = await server.RunAgentAsync(_tokenFile, () => server.Finished.Count == 2);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal(["d1", "d2"], server.Finished);
        // d3, picked ahead while d2 ran on for 2 s, went back to the queue after a moment; this agent never ran it.
        Assert.Equal(
            ["pick", "finish-and-pick d1", "pick ahead", "release d3", "finish-and-pick d2"],
            server.Calls.Where(call => !call.StartsWith("heartbeat", StringComparison.Ordinal)).Take(5));
        Assert.False(File.Exists(Path.Combine(_work, "d3")), $"the released task ran\n{log}");
    }

    [Fact]
    public async Task Against_a_server_without_finish_and_pick_the_agent_reports_with_finish_from_then_on()
    {
        var server = new ScriptedAgentServer(pickOnFinish: false, Touching("b1"), Touching("b2"));
        var (exitCode, log) = await server.RunAgentAsync(_tokenFile, () => server.Finished.Count == 2);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal(["b1", "b2"], server.Finished);
        Assert.Equal(["pick", "finish-and-pick b1", "finish b1", "pick", "finish b2"], server.Calls.Take(5));
        Assert.DoesNotContain("refused", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_that_stops_releases_the_task_it_runs_and_the_one_it_holds_ahead_and_runs_neither_further()
    {
        var server = new ScriptedAgentServer(pickOnFinish: true, Touching("e1"), ("e2", "sleep 5"), Touching("e3"));
        var (exitCode, log) = await server.RunAgentAsync(_tokenFile, () => server.Calls.Contains("pick ahead"));

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal(["e1"], server.Finished);
        Assert.Contains("release e2", server.Calls); // Killed as the agent stopped, and given back.
        Assert.Contains("release e3", server.Calls); // Held ahead, never started.
        Assert.False(File.Exists(Path.Combine(_work, "e3")), $"the task held ahead ran\n{log}");
    }

    [Fact]
    public async Task A_task_handed_over_with_the_last_report_as_the_agent_stops_is_released_not_run()
    {
        using var stopping = new CancellationTokenSource();
        var server = new ScriptedAgentServer(pickOnFinish: true, Touching("c1"), Touching("c2")) { OnFinish = _ => stopping.Cancel() };
        var (exitCode, log) = await server.RunAgentAsync(_tokenFile, () => false, stopping);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal(["c1"], server.Finished);
        Assert.Contains("release c2", server.Calls);
        Assert.False(File.Exists(Path.Combine(_work, "c2")), $"the handed-over task ran\n{log}");
    }
}
