using Tasker.Client.CommandLine;

namespace Tasker.Client.Tests.Agent;

/// <summary><c>tasker agent</c>'s own arguments: a mistake is exit 2 with a message that names the option, before any call.</summary>
public sealed class AgentVerbTests : IDisposable
{
    private readonly string _tokenFile = Path.GetTempFileName();

    public AgentVerbTests() => File.WriteAllText(_tokenFile, "t0123456789abcdef\n");

    public void Dispose() => File.Delete(_tokenFile);

    [Theory]
    [InlineData("TASKER_AGENT_TOKEN", "agent")]
    [InlineData("/proc/<pid>/cmdline", "agent", "--token", "t0123456789abcdef")]
    [InlineData("--token-file", "agent", "--token-file", "/nonexistent/agent-token")]
    [InlineData("--pass-env", "agent", "--token-file", "TOKEN_FILE", "--pass-env", "TASKER_AGENT_TOKEN")]
    [InlineData("--pass-env", "agent", "--token-file", "TOKEN_FILE", "--pass-env", "TASKER_API_KEY")]
    [InlineData("--pass-env", "agent", "--token-file", "TOKEN_FILE", "--pass-env", "NOT-A-NAME")]
    [InlineData("there is no user", "agent", "--token-file", "TOKEN_FILE", "--run-as", "no-such-user-here")]
    [InlineData("--poll-interval", "agent", "--token-file", "TOKEN_FILE", "--poll-interval", "soon")]
    [InlineData("--poll-interval", "agent", "--token-file", "TOKEN_FILE", "--poll-interval", "10ms")]
    [InlineData("--poll-interval", "agent", "--token-file", "TOKEN_FILE", "--poll-interval", "6m")]
    [InlineData("--name", "agent", "--token-file", "TOKEN_FILE", "--name", "has space")]
    [InlineData("--log-level", "agent", "--token-file", "TOKEN_FILE", "--log-level", "loud")]
    [InlineData("'--colour'", "agent", "--token-file", "TOKEN_FILE", "--colour", "blue")]
    public async Task A_bad_agent_argument_exits_2_naming_it(string named, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9") }; // Never called.
        var exitCode = await Cli.RunAsync([.. args.Select(a => a == "TOKEN_FILE" ? _tokenFile : a)], stdout, stderr, http);

        Assert.Equal(ExitCodes.Error, exitCode);
        Assert.StartsWith("error: ", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains(named, stderr.ToString(), StringComparison.Ordinal);
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
        var exitCode = await Cli.RunAsync(["agent", "--token-file", _tokenFile, "--name", "idle", "--poll-interval", "500ms"], stdout, stderr, http, stopped.Token);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("agent stopped agent=idle", stderr.ToString(), StringComparison.Ordinal);
    }
}
