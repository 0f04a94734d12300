using System.Text.Json;
using Tasker.Client.CommandLine;

namespace Tasker.Client.Tests.CommandLine;

[Collection(ServerCollection.Name)]
public sealed class CliTests(TaskerServerFixture server)
{
    [Fact]
    public async Task Submit_with_wait_prints_the_succeeded_task_with_result_3_and_exits_0()
    {
        var run = await RunAsync("submit", "sum2", "--client", Client(), "--param", "first=1", "--param", "second=2", "--wait", "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var task = run.Json();
        Assert.Equal("succeeded", task.GetProperty("status").GetString());
        Assert.Equal("3", task.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Submit_sends_a_param_that_is_not_a_number_as_a_string()
    {
        var run = await RunAsync("submit", "input", "--client", Client(), "--param", "input_param=hello world", "--wait", "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal("dlrow olleh", run.Json().GetProperty("result").GetProperty("reversed").GetString());
    }

    [Fact]
    public async Task Submit_applies_each_param_over_the_params_object()
    {
        var run = await RunAsync("submit", "mult3", "--client", Client(), "--params", """{"first":2,"second":3,"third":100}""", "--param", "third=4", "--wait", "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal("24", run.Json().GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Submit_without_wait_prints_the_task_as_accepted()
    {
        var run = await RunAsync("--url", "http://ignored.invalid", "submit", "count", "--client", Client(), "--params", """{"to":1000,"delay_ms":20}""", "--priority", "low", "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var task = run.Json();
        Assert.Equal("running", task.GetProperty("status").GetString());
        Assert.Equal("low", task.GetProperty("priority").GetString());
        await server.NewClient().CancelAsync(task.GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task Wait_prints_progress_on_stderr_and_exits_1_when_the_task_is_cancelled()
    {
        var tasker = server.NewClient();
        var task = await tasker.SubmitAsync("count", new { to = 1000, delay_ms = 20 }, Client());
        var waiting = RunAsync("wait", task.Id, "--timeout", "30", "--json");
        await Task.Delay(200);
        await tasker.CancelAsync(task.Id);

        var run = await waiting;

        Assert.Equal(ExitCodes.TaskDidNotSucceed, run.ExitCode);
        Assert.Equal("cancelled", run.Json().GetProperty("status").GetString());
        Assert.StartsWith($"{task.Id} running ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{task.Id} cancelled", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_exits_3_when_the_timeout_passes_first()
    {
        var tasker = server.NewClient();
        var task = await tasker.SubmitAsync("count", new { to = 1000, delay_ms = 20 }, Client());

        var run = await RunAsync("wait", task.Id, "--timeout", "0.3");
        await tasker.CancelAsync(task.Id);

        Assert.Equal(ExitCodes.TimedOut, run.ExitCode);
        Assert.Contains("error: task", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task Get_pause_resume_and_cancel_print_the_task_after_each_command()
    {
        var id = (await server.NewClient().SubmitAsync("count", new { to = 1000, delay_ms = 20 }, Client())).Id;

        foreach (var (verb, status) in new[] { ("get", "running"), ("pause", "paused"), ("resume", "running"), ("cancel", "cancelled") })
        {
            var run = await RunAsync(verb, id, "--json");
            Assert.Equal(ExitCodes.Ok, run.ExitCode);
            Assert.Equal(status, run.Json().GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task List_prints_a_page_of_the_clients_tasks()
    {
        var client = Client();
        var id = (await server.NewClient().SubmitAsync("sum2", new { first = 3, second = 4 }, client)).Id;

        var run = await RunAsync("--json", "list", "--client", client, "--type", "sum2", "--limit", "10");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var items = run.Json().GetProperty("items");
        Assert.Equal(id, Assert.Single(items.EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_api_error_is_one_line_on_stderr_and_exit_2()
    {
        var run = await RunAsync("submit", "no-such-type", "--client", Client());

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.StartsWith("error: 400 The task request is invalid: type 'no-such-type' is unknown", run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.TrimEnd().Split('\n'));
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task Get_of_an_unknown_id_exits_2_with_a_404_line()
    {
        var run = await RunAsync("get", TaskIds.New());

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.StartsWith("error: 404 ", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("frobnicate")]
    [InlineData("submit", "sum2")]
    [InlineData("submit", "sum2", "--client", "c", "--param", "first")]
    [InlineData("submit", "sum2", "--client", "c", "--params", "[1,2]")]
    [InlineData("submit", "sum2", "--client", "c", "--priority", "urgent")]
    [InlineData("submit", "sum2", "--client", "c", "--colour", "blue")]
    [InlineData("get")]
    [InlineData("get", "a", "b")]
    [InlineData("wait", "a", "--timeout", "soon")]
    [InlineData("list", "--status", "sleeping")]
    [InlineData("list", "--limit", "-1")]
    [InlineData("--url", "ftp://example.org", "list")]
    public async Task Bad_usage_exits_2_with_the_usage_text(params string[] args)
    {
        var run = await RunAsync(args);

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.StartsWith("error: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:\n  tasker", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task Help_prints_the_usage_text_and_exits_0()
    {
        var run = await RunAsync("help");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Usage:\n  tasker [command] [options]", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_without_json_prints_a_table_without_ansi_codes_when_there_is_no_terminal()
    {
        var client = Client();
        var id = (await server.NewClient().SubmitAsync("sum2", new { first = 3, second = 4 }, client)).Id;

        var run = await RunAsync("list", "--client", client);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("STATUS", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(id, run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', run.Stdout);
    }

    [Fact]
    public async Task Get_without_json_prints_the_task_as_a_sheet()
    {
        var task = await server.NewClient().SubmitAsync("sum2", new { first = 3, second = 4 }, Client());
        await server.NewClient().WaitAsync(task.Id, TimeSpan.FromSeconds(30));

        var run = await RunAsync("get", task.Id);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Matches(@"(?m)^status\s+succeeded\s*$", run.Stdout);
        Assert.Matches(@"(?m)^result\s+7\s*$", run.Stdout);
    }

    [Fact]
    public async Task Wait_follows_several_tasks_and_prints_them_as_an_array_in_the_order_given()
    {
        var tasker = server.NewClient();
        var first = await tasker.SubmitAsync("sum2", new { first = 1, second = 1 }, Client());
        var second = await tasker.SubmitAsync("sum2", new { first = 2, second = 2 }, Client());

        var run = await RunAsync("wait", first.Id, second.Id, "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal([first.Id, second.Id], run.Json().EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        Assert.Contains($"{second.Id} succeeded", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("error: --timeout goes with --wait", "submit", "sum2", "--client", "c", "--timeout", "5")]
    [InlineData("error: Argument 'urgent' not recognized", "submit", "sum2", "--client", "c", "--priority", "urgent")]
    [InlineData("error: --param must be KEY=VALUE, not 'first'", "submit", "sum2", "--client", "c", "--param", "first")]
    [InlineData("error: --url must be an http or https URL, not 'ftp://example.org'", "--url", "ftp://example.org", "list")]
    [InlineData("error: Option '--client' is required.", "submit", "sum2")]
    [InlineData("error: the task type is missing (or --file FILE.jsonl for many tasks)", "submit", "--client", "c")]
    [InlineData("error: --file takes each task's type", "submit", "sum2", "--client", "c", "--file", "tasks.jsonl")]
    public async Task A_usage_error_says_what_is_wrong_first_then_the_commands_help_and_exits_2(string message, params string[] args)
    {
        var run = await RunAsync(args);

        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.StartsWith(message, run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"Usage:\n  tasker {(args[0] == "--url" ? args[2] : args[0])} ", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void The_tasker_build_output_carries_no_Orleans_assembly()
    {
        var output = Path.GetDirectoryName(Agent.OwnedProcess.Assembly("AgentAssembly"))!;

        Assert.True(File.Exists(Path.Combine(output, "tasker.dll")), $"no tasker.dll in {output}");
        Assert.Empty(Directory.GetFiles(output, "Orleans*.dll"));
        Assert.Empty(Directory.GetFiles(output, "Microsoft.Orleans*.dll"));
        Assert.Empty(Directory.GetFiles(output, "Tasker.Grains*.dll"));
        Assert.DoesNotContain("Orleans", File.ReadAllText(Path.Combine(output, "tasker.deps.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_file_sends_every_line_in_batches_and_prints_a_line_per_task_in_order()
    {
        var client = Client();
        var file = Path.Combine(Path.GetTempPath(), $"tasks-{Guid.NewGuid():N}.jsonl");
        var lines = Enumerable.Range(1, 1_203).Select(i => $$$"""{"type":"sum2","params":{"first":{{{i}}},"second":{{{1_000_000 + i}}}}}""").ToList();
        lines.Insert(5, "");
        lines.Insert(7, """{"type":"sum2","params":{"first":"x","second":1}}""");
        await File.WriteAllLinesAsync(file, lines);
        try
        {
            var run = await RunAsync("submit", "--file", file, "--client", client);

            Assert.Equal(ExitCodes.Error, run.ExitCode); // one line was refused
            var printed = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
            Assert.Equal(1_204, printed.Count);
            Assert.Equal(lines.Select((l, i) => (l, i + 1)).Where(x => x.l.Length > 0).Select(x => x.Item2.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                printed.Select(p => p[0]));
            Assert.Equal("400", printed[6][1]);
            Assert.Equal(1_203, printed.Count(p => p[1] == "202" && p[3] == "succeeded"));
            Assert.Contains("submitted 1203, refused 1", run.Stderr, StringComparison.Ordinal);
            var history = await server.NewClient().ListAsync(client: client, limit: 500);
            Assert.Equal(500, history.Items.Count);
            Assert.Equal(1_203, history.TotalRecorded);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Client() => TaskerServerFixture.UniqueClientName("cli");

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
