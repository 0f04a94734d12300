using System.Globalization;
using System.Runtime.Versioning;
using System.Text.Json;

namespace Tasker.Client.Tests.Agent;

/// <summary>
/// An agent starts a command that needs no shell as its own child, and everything else through <c>/bin/sh -c</c>; either
/// way the command does what the shell would have made of it (its words, its exit code, its errors).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class AgentCommandStartTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("tasker-agent-start-").FullName;
    private readonly string _tokenFile;

    public AgentCommandStartTests()
    {
        _tokenFile = Path.Combine(_work, "token");
        File.WriteAllText(_tokenFile, "t0123456789abcdef\n");
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private async Task<JsonElement> RunAsync(string command)
    {
        var server = new ScriptedAgentServer(pickOnFinish: true, ("t", command));
        var (_, log) = await server.RunAgentAsync(_tokenFile, () => server.Finished.Count == 1);
        Assert.True(server.Finished.Count == 1, $"the command was not reported\n{log}");
        return server.Report("t");
    }

    /// <summary>The parent pid in a <c>/proc/PID/stat</c> line: "pid (name) state ppid ...".</summary>
    private static int ParentOf(JsonElement report)
    {
        var stat = report.GetProperty("stdout").GetString()!;
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_command_of_plain_words_runs_as_the_agents_own_child()
    {
        Assert.Equal(Environment.ProcessId, ParentOf(await RunAsync("cat /proc/self/stat")));
        Assert.Equal(Environment.ProcessId, ParentOf(await RunAsync("  /usr/bin/cat\t/proc/self/stat ")));
    }

    [Theory]
    [InlineData("cat /proc/self/stat; true")]
    [InlineData("cat /proc/self/stat > /dev/stdout")]
    [InlineData("A=1 cat /proc/self/stat")]
    [InlineData("cat /proc/self/s*t")]
    public async Task A_command_the_shell_must_read_runs_under_the_shell(string command) =>
        Assert.NotEqual(Environment.ProcessId, ParentOf(await RunAsync(command)));

    [Fact]
    public async Task Shell_words_keep_the_shells_meaning()
    {
        Assert.Equal("-e x\n", (await RunAsync("echo -e x")).GetProperty("stdout").GetString()); // The shell's echo, not /usr/bin/echo's.
        Assert.Equal(3, (await RunAsync("exit 3")).GetProperty("exitCode").GetInt32());
        Assert.Equal(0, (await RunAsync("true")).GetProperty("exitCode").GetInt32());
        Assert.Equal(1, (await RunAsync("false")).GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task A_plain_command_fails_as_it_would_under_the_shell()
    {
        var missing = await RunAsync("no-such-program-anywhere --flag");
        Assert.Equal(127, missing.GetProperty("exitCode").GetInt32()); // The shell's "not found", as before.
        Assert.Contains("not found", missing.GetProperty("stderr").GetString(), StringComparison.Ordinal);

        var listing = await RunAsync("ls /no-such-directory-here");
        Assert.Equal(2, listing.GetProperty("exitCode").GetInt32());
        Assert.Contains("No such file or directory", listing.GetProperty("stderr").GetString(), StringComparison.Ordinal);

        // A script without #!: the kernel will not run it, a shell does.
        var script = Path.Combine(_work, "no-shebang");
        await File.WriteAllTextAsync(script, "echo from the script\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var ran = await RunAsync(script);
        Assert.Equal(0, ran.GetProperty("exitCode").GetInt32());
        Assert.Equal("from the script\n", ran.GetProperty("stdout").GetString());
    }
}
