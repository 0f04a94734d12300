using System.Text.Json;
using Tasker.Client.CommandLine;

namespace Tasker.Client.Tests.CommandLine;

/// <summary><c>tasker schedule ...</c> against the in-process server.</summary>
[Collection(ServerCollection.Name)]
public sealed class ScheduleCommandsTests(TaskerServerFixture server)
{
    [Fact]
    public async Task Put_get_next_trigger_runs_pause_list_and_delete_work_end_to_end()
    {
        var client = TaskerServerFixture.UniqueClientName("clisched");

        var put = await RunAsync("--json", "schedule", "put", "nightly", "--client", client, "--type", "sum2", "--param", "first=1", "--param", "second=2",
            "--cron", "0 2 * * *", "--timezone", "Europe/Berlin", "--overlap", "allow", "--missed", "run_all", "--max-catchup", "3");
        var next = await RunAsync("schedule", "next", "nightly", "--client", client, "--count", "3");
        var trigger = await RunAsync("schedule", "trigger", "nightly", "--client", client);
        var runs = await RunAsync("--json", "schedule", "runs", "nightly", "--client", client);
        var paused = await RunAsync("--json", "schedule", "pause", "nightly", "--client", client);
        var list = await RunAsync("schedule", "list", "--client", client);
        var deleted = await RunAsync("schedule", "delete", "nightly", "--client", client);
        var gone = await RunAsync("schedule", "get", "nightly", "--client", client);

        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Equal("0 2 * * *", put.Json().GetProperty("cron").GetString());
        Assert.Equal(3, put.Json().GetProperty("maxCatchup").GetInt32());
        Assert.Equal(0, next.ExitCode);
        Assert.Equal(3, next.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("02:00:00", StringComparison.Ordinal)));
        Assert.Equal(0, trigger.ExitCode);
        Assert.StartsWith("created ", trigger.Stdout, StringComparison.Ordinal);
        var run = Assert.Single(runs.Json().GetProperty("items").EnumerateArray());
        Assert.True(run.GetProperty("triggered").GetBoolean());
        Assert.True(paused.Json().GetProperty("paused").GetBoolean());
        Assert.Contains("nightly", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("paused", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal(ExitCodes.Error, gone.ExitCode);
        Assert.Contains("404", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interval_in_short_form_is_sent_as_ISO_8601()
    {
        var client = TaskerServerFixture.UniqueClientName("clisched");

        var put = await RunAsync("--json", "schedule", "put", "often", "--client", client, "--type", "sum2", "--params", """{"first":1,"second":2}""", "--every", "90m", "--jitter", "30s");
        _ = await RunAsync("schedule", "delete", "often", "--client", client);

        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Equal("PT1H30M", put.Json().GetProperty("every").GetString());
        Assert.Equal("PT30S", put.Json().GetProperty("jitter").GetString());
    }

    [Fact]
    public async Task Put_without_cron_or_every_is_a_usage_error_and_a_bad_cron_is_the_servers_400()
    {
        var client = TaskerServerFixture.UniqueClientName("clisched");

        var neither = await RunAsync("schedule", "put", "x", "--client", client, "--type", "sum2");
        var badCron = await RunAsync("schedule", "put", "x", "--client", client, "--type", "sum2", "--params", """{"first":1,"second":2}""", "--cron", "0 0 30 2 *");

        Assert.Equal(ExitCodes.Error, neither.ExitCode);
        Assert.Contains("--cron or --every", neither.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Error, badCron.ExitCode);
        Assert.Contains("400", badCron.Stderr, StringComparison.Ordinal);
        Assert.Contains("never fires", badCron.Stderr, StringComparison.Ordinal);
    }

    private async Task<CliRun> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = await Cli.RunAsync(args, stdout, stderr, server.CreateClient());
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    private sealed record CliRun(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json()
        {
            using var document = JsonDocument.Parse(Stdout);
            return document.RootElement.Clone();
        }
    }
}
