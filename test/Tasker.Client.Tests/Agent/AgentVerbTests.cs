using Tasker.Client.CommandLine;

namespace Tasker.Client.Tests.Agent;

/// <summary><c>tasker agent</c>'s own arguments: a mistake is exit 2 with a message that names the option, before any call.</summary>
public sealed class AgentVerbTests
{
    [Theory]
    [InlineData("--token and TASKER_AGENT_TOKEN", "agent", "--token", "")]
    [InlineData("--poll-interval", "agent", "--token", "t0123456789abcdef", "--poll-interval", "soon")]
    [InlineData("--poll-interval", "agent", "--token", "t0123456789abcdef", "--poll-interval", "10ms")]
    [InlineData("--poll-interval", "agent", "--token", "t0123456789abcdef", "--poll-interval", "6m")]
    [InlineData("--name", "agent", "--token", "t0123456789abcdef", "--name", "has space")]
    [InlineData("--log-level", "agent", "--token", "t0123456789abcdef", "--log-level", "loud")]
    [InlineData("'--colour'", "agent", "--token", "t0123456789abcdef", "--colour", "blue")]
    public async Task A_bad_agent_argument_exits_2_naming_it(string named, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9") }; // Never called.
        var exitCode = await Cli.RunAsync(args, stdout, stderr, http);

        Assert.Equal(ExitCodes.Error, exitCode);
        Assert.StartsWith("error: ", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains(named.Split(' ')[0] == "--token" ? "TASKER_AGENT_TOKEN" : named, stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public async Task An_agent_stopped_before_its_first_pick_exits_0()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9") };
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();
        var exitCode = await Cli.RunAsync(["agent", "--token", "t0123456789abcdef", "--name", "idle", "--poll-interval", "500ms"], stdout, stderr, http, stopped.Token);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("agent stopped agent=idle", stderr.ToString(), StringComparison.Ordinal);
    }
}
