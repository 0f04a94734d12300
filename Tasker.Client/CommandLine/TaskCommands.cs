using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Tasker.Api;

namespace Tasker.Client.CommandLine;

/// <summary>The verbs on tasks: <c>submit</c>, <c>get</c>, <c>wait</c>, <c>list</c>, <c>pause</c>, <c>resume</c>, <c>cancel</c>.</summary>
internal static class TaskCommands
{
    // About 115 days: any longer wait is surely a typo, and TimeSpan stays far from overflow.
    private const double MaxSeconds = 1e7;
    private const double DefaultTimeoutSeconds = 60;

    public static IEnumerable<Command> Create(Func<ParseResult, CliContext> context)
    {
        yield return Submit(context);
        yield return Get(context);
        yield return Wait(context);
        yield return List(context);
        yield return Control("pause", "Pause a running task at its next checkpoint", context, (c, id, ct) => c.PauseAsync(id, ct));
        yield return Control("resume", "Resume a paused task from its checkpoint", context, (c, id, ct) => c.ResumeAsync(id, ct));
        yield return Control("cancel", "Cancel a task that has not ended", context, (c, id, ct) => c.CancelAsync(id, ct));
        yield return Control("run-now", "Start a scheduled task now instead of at its time", context, (c, id, ct) => c.RunNowAsync(id, ct));
        yield return WebhookCommands.Deliveries(context);
    }

    private static Command Submit(Func<ParseResult, CliContext> contextOf)
    {
        var type = new Argument<string?>("type") { Description = "The task type, e.g. sum2, count, csv-export, shell", Arity = ArgumentArity.ZeroOrOne };
        var client = new Option<string>("--client") { Description = "The client the task belongs to (with authentication: your user name); with --file, of the lines that name none", HelpName = "NAME", Required = true };
        var file = new Option<FileInfo?>("--file")
        {
            Description = "Submit every task in a JSON Lines file (one {\"type\",\"params\",\"client\",\"priority\",\"idempotency_key\"} object per line), 1,000 per request, and print one line per task",
            HelpName = "FILE.jsonl",
        };
        var param = new Option<string[]>("--param")
        {
            Description = "A parameter KEY=VALUE, repeatable; a VALUE that is a JSON number is sent as a number, anything else as a string; applied over --params",
            HelpName = "KEY=VALUE",
            Validators = { result => EachIs(result, "--param must be KEY=VALUE", pair => pair.IndexOf('=', StringComparison.Ordinal) > 0) },
        };
        var parameters = new Option<string?>("--params") { Description = "The parameters as one JSON object", HelpName = "JSON", Validators = { IsJsonObject } };
        var priority = new Option<string?>("--priority") { Description = "The queue to ask for [default: normal]", HelpName = "high|normal|low" }
            .AcceptOnlyFromAmong([.. TaskPriorities.WireNames]);
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "A retry with the same key and client returns the first task instead of a new one", HelpName = "KEY" };
        var wait = new Option<bool>("--wait") { Description = "Follow the task to its end (a progress bar on a terminal) and exit as 'tasker wait' does" };
        var timeout = Timeout("With --wait: how long to wait");
        var delay = new Option<TimeSpan?>("--delay")
        {
            Description = "Run the task this much later: 90s, 5m, 2h, 1d, or an ISO 8601 duration such as PT5M",
            HelpName = "DURATION",
            CustomParser = result => Durations.TryParse(result.Tokens.Single().Value, out var span) && span >= TimeSpan.Zero
                ? span
                : Fail<TimeSpan?>(result, $"--delay '{result.Tokens.Single().Value}' is not a duration such as 90s, 5m, 2h, 1d or PT5M"),
        };
        var at = new Option<DateTimeOffset?>("--at")
        {
            Description = "Run the task at this time, with its offset, e.g. 2026-12-24T18:00:00+01:00",
            HelpName = "TIME",
            CustomParser = result => Durations.TryParseTime(result.Tokens.Single().Value, out var time)
                ? time
                : Fail<DateTimeOffset?>(result, $"--at '{result.Tokens.Single().Value}' is not a time with its offset, e.g. 2026-12-24T18:00:00+01:00"),
        };
        var after = new Option<string[]>("--after")
        {
            Description = "Run the task after these tasks have ended (ids, comma-separated or repeated); it is waiting until then",
            HelpName = "ID[,ID]",
            CustomParser = result => [.. result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
        };
        var afterPolicy = new Option<string?>("--after-policy")
        {
            Description = "With --after: run only if every one succeeded (all_succeeded, the default; otherwise it ends dependency-failed) or whatever they ended as (all_ended)",
            HelpName = "all_succeeded|all_ended",
        }.AcceptOnlyFromAmong("all_succeeded", "all_ended");
        var callback = new Option<string?>("--callback")
        {
            Description = "Announce the task's end with a signed webhook to this https URL (tasker deliveries ID shows the attempts)",
            HelpName = "URL",
        };
        var command = new Command("submit", "Submit a task and print it, or every task of a file")
        {
            type, client, param, parameters, priority, idempotencyKey, delay, at, after, afterPolicy, callback, wait, timeout, file,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(timeout) is { Implicit: false } && !result.GetValue(wait))
            {
                result.AddError("--timeout goes with --wait");
            }

            if (result.GetResult(delay) is not null && result.GetResult(at) is not null)
            {
                result.AddError("give --delay or --at, not both");
            }

            if (result.GetResult(afterPolicy) is not null && result.GetResult(after) is null)
            {
                result.AddError("--after-policy goes with --after");
            }

            if (result.GetValue(file) is null && result.GetValue(type) is null)
            {
                result.AddError("the task type is missing (or --file FILE.jsonl for many tasks)");
            }

            if (result.GetValue(file) is not null
                && (result.GetValue(type) is not null || result.GetResult(param) is not null || result.GetResult(parameters) is not null
                    || result.GetResult(idempotencyKey) is not null || result.GetValue(wait) || result.GetResult(callback) is not null))
            {
                result.AddError("--file takes each task's type, params and idempotency_key from its line: no type, --param, --params, --idempotency-key, --wait or --callback beside it");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            if (parse.GetValue(file) is { } lines)
            {
                return await TaskFile.SubmitAsync(context, lines, parse.GetRequiredValue(client), parse.GetValue(priority), cancellationToken);
            }

            var body = new SubmitTaskRequest(
                parse.GetValue(type)!,
                Parameters(parse.GetValue(parameters), parse.GetValue(param) ?? []),
                parse.GetRequiredValue(client),
                parse.GetValue(priority) is { } text && TaskPriorities.TryParseWire(text, out var p) ? p.ToWire() : null,
                parse.GetValue(at) ?? (parse.GetValue(delay) is { } later ? DateTimeOffset.UtcNow + later : null))
            {
                Callback = parse.GetValue(callback) is { } url ? new CallbackView(url, TaskPhases.FinalWireNames) : null,
                After = parse.GetValue(after) is { Length: > 0 } parents ? parents : null,
                AfterPolicy = parse.GetValue(afterPolicy),
            };
            var task = await context.Client.SubmitAsync(body, parse.GetValue(idempotencyKey), cancellationToken);
            if (parse.GetValue(wait))
            {
                return await WaitAndPrintAsync(context, [task.Id], Seconds(parse.GetValue(timeout)), cancellationToken);
            }

            await PrintTaskAsync(context, task);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static T? Fail<T>(System.CommandLine.Parsing.ArgumentResult result, string error)
    {
        result.AddError(error);
        return default;
    }

    private static Command Get(Func<ParseResult, CliContext> contextOf)
    {
        var id = new Argument<string>("id") { Description = "The task's id" };
        var command = new Command("get", "Print a task") { id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var taskId = parse.GetRequiredValue(id);
            // GetAsync maps 404 to null; the command line reports it as the server's problem instead.
            var task = await context.Client.GetAsync(taskId, cancellationToken);
            if (task is null)
            {
                await Output.WriteErrorAsync(context.Io.Stderr, $"404 Not found: There is no task with id '{taskId}'.");
                return ExitCodes.Error;
            }

            await PrintTaskAsync(context, task);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Wait(Func<ParseResult, CliContext> contextOf)
    {
        var ids = new Argument<string[]>("id") { Description = "The tasks' ids", Arity = ArgumentArity.OneOrMore };
        var timeout = Timeout("How long to wait");
        var command = new Command("wait", "Follow tasks to their end (a progress bar each on a terminal, else a line per change on stderr), then print them") { ids, timeout };
        command.SetAction(async (parse, cancellationToken) =>
            await WaitAndPrintAsync(contextOf(parse), parse.GetRequiredValue(ids), Seconds(parse.GetValue(timeout)), cancellationToken));
        return command;
    }

    private static Command List(Func<ParseResult, CliContext> contextOf)
    {
        var client = new Option<string?>("--client") { Description = "Only this client's tasks", HelpName = "NAME" };
        var type = new Option<string?>("--type") { Description = "Only tasks of this type", HelpName = "TYPE" };
        var status = new Option<string?>("--status") { Description = "Only tasks in this status", HelpName = "STATUS" }
            .AcceptOnlyFromAmong([.. TaskPhases.WireNames]);
        var limit = new Option<int?>("--limit")
        {
            Description = "The page size, 1 to 500 [default: 50]",
            HelpName = "N",
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= 500)
                {
                    return size;
                }

                result.AddError($"--limit must be a whole number from 1 to 500, not '{text}'");
                return null;
            },
        };
        var cursor = new Option<string?>("--cursor") { Description = "Where the previous page said the next one starts", HelpName = "NEXT" };
        var command = new Command("list", "List tasks, newest first, one page at a time") { client, type, status, limit, cursor };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var page = await context.Client.ListAsync(
                parse.GetValue(client),
                parse.GetValue(type),
                TaskPhases.TryParseWire(parse.GetValue(status), out var phase) ? phase : null,
                parse.GetValue(limit),
                parse.GetValue(cursor),
                cancellationToken);
            if (context.Json)
            {
                await Output.WriteJsonAsync(context.Io.Stdout, page);
                return ExitCodes.Ok;
            }

            context.Out.Write(Output.TaskTable(page));
            if (page.Next is { } next)
            {
                context.Out.WriteLine($"more: tasker list --cursor {next}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Control(string name, string description, Func<ParseResult, CliContext> contextOf, Func<TaskerClient, string, CancellationToken, Task<TaskView>> send)
    {
        var id = new Argument<string>("id") { Description = "The task's id" };
        var command = new Command(name, $"{description}, and print the task after it") { id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            await PrintTaskAsync(context, await send(context.Client, parse.GetRequiredValue(id), cancellationToken));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Waits for the tasks, prints them as they ended, and turns their outcomes into the exit code.</summary>
    private static async Task<int> WaitAndPrintAsync(CliContext context, IReadOnlyList<string> ids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var outcomes = await TaskWatch.WaitAsync(context, ids, timeout, cancellationToken);
        if (outcomes.Where(o => o.Task is null).ToList() is { Count: > 0 } late)
        {
            foreach (var outcome in late)
            {
                await Output.WriteErrorAsync(context.Io.Stderr, TaskWatch.TimedOut(outcome.Id, timeout));
            }

            return ExitCodes.TimedOut;
        }

        var tasks = outcomes.Select(o => o.Task!).ToList();
        if (context.Json)
        {
            // One id: the task itself, as before; several: an array in the order given.
            await (tasks.Count == 1 ? Output.WriteJsonAsync(context.Io.Stdout, tasks[0]) : Output.WriteJsonAsync(context.Io.Stdout, tasks));
        }
        else
        {
            foreach (var task in tasks)
            {
                context.Out.Write(Output.TaskSheet(task));
                context.Out.WriteLine();
            }
        }

        return tasks.All(t => t.Phase() == TaskPhase.Succeeded) ? ExitCodes.Ok : ExitCodes.TaskDidNotSucceed;
    }

    private static async Task PrintTaskAsync(CliContext context, TaskView task)
    {
        if (context.Json)
        {
            await Output.WriteJsonAsync(context.Io.Stdout, task);
        }
        else
        {
            context.Out.Write(Output.TaskSheet(task));
        }
    }

    private static Option<double?> Timeout(string what) => new("--timeout")
    {
        Description = $"{what}, in seconds [default: {DefaultTimeoutSeconds}]",
        HelpName = "SECONDS",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= MaxSeconds)
            {
                return seconds;
            }

            result.AddError($"--timeout must be a number of seconds from 0 to 10000000, not '{text}'");
            return null;
        },
    };

    private static TimeSpan Seconds(double? seconds) => TimeSpan.FromSeconds(seconds ?? DefaultTimeoutSeconds);

    internal static void EachIs(OptionResult result, string error, Func<string, bool> isValid)
    {
        foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
        {
            if (!isValid(value))
            {
                result.AddError($"{error}, not '{value}'");
                return;
            }
        }
    }

    internal static void IsJsonObject(OptionResult result)
    {
        if (result.GetValueOrDefault<string?>() is not { } json)
        {
            return;
        }

        try
        {
            if (JsonNode.Parse(json) is not JsonObject)
            {
                result.AddError("--params must be a JSON object");
            }
        }
        catch (JsonException exception)
        {
            result.AddError($"--params is not valid JSON: {exception.Message}");
        }
    }

    /// <summary>The <c>--params</c> object with each <c>--param KEY=VALUE</c> set over it (both already validated).</summary>
    internal static JsonElement Parameters(string? json, IEnumerable<string> pairs)
    {
        var parameters = json is null ? new JsonObject() : (JsonObject)JsonNode.Parse(json)!;
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            parameters[pair[..equals]] = Value(pair[(equals + 1)..]);
        }

        return JsonSerializer.SerializeToElement(parameters);
    }

    /// <summary>A JSON number when the text is one (kept exactly as written), otherwise the text as a string.</summary>
    private static JsonNode Value(string text)
    {
        if (text.Length > 0 && text == text.Trim())
        {
            try
            {
                if (JsonNode.Parse(text) is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
                {
                    return value;
                }
            }
            catch (JsonException)
            {
                // Not JSON at all: a string.
            }
        }

        return JsonValue.Create(text);
    }
}
