using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using Spectre.Console;
using Spectre.Console.Rendering;
using Tasker.Api;

namespace Tasker.Client.CommandLine;

/// <summary><c>tasker schedule put|list|get|next|runs|pause|resume|trigger|delete</c>: recurring schedules.</summary>
internal static partial class ScheduleCommands
{
    public static Command Create(Func<ParseResult, CliContext> contextOf)
    {
        var command = new Command("schedule", "Recurring schedules: a task made on a cron or an interval, once per due time")
        {
            Put(contextOf),
            List(contextOf),
            One("get", "Print a schedule", contextOf, (c, id, client, ct) => c.GetScheduleAsync(id, client, ct)),
            Next(contextOf),
            Runs(contextOf),
            One("pause", "Pause a schedule (its due times meanwhile are missed) and print it", contextOf, (c, id, client, ct) => c.PauseScheduleAsync(id, client, ct)),
            One("resume", "Resume a schedule (the missed policy applies) and print it", contextOf, (c, id, client, ct) => c.ResumeScheduleAsync(id, client, ct)),
            Trigger(contextOf),
            Delete(contextOf),
        };
        return command;
    }

    private static Argument<string> Id() => new("id") { Description = "The schedule's id (letters, digits, '_', '.', '-')" };

    private static Option<string?> Client(string description = "The client the schedule belongs to (signed in: your own unless you are an admin)") =>
        new("--client") { Description = description, HelpName = "NAME" };

    private static Command Put(Func<ParseResult, CliContext> contextOf)
    {
        var id = Id();
        var type = new Option<string>("--type") { Description = "The task type made at each due time, e.g. sum2", HelpName = "TYPE", Required = true };
        var param = new Option<string[]>("--param")
        {
            Description = "A task parameter KEY=VALUE, repeatable (a JSON number is sent as a number); applied over --params",
            HelpName = "KEY=VALUE",
            Validators = { result => TaskCommands.EachIs(result, "--param must be KEY=VALUE", pair => pair.IndexOf('=', StringComparison.Ordinal) > 0) },
        };
        var parameters = new Option<string?>("--params") { Description = "The task parameters as one JSON object", HelpName = "JSON", Validators = { TaskCommands.IsJsonObject } };
        var priority = new Option<string?>("--priority") { Description = "The task's queue [default: normal]", HelpName = "high|normal|low" }
            .AcceptOnlyFromAmong([.. TaskPriorities.WireNames]);
        var cron = new Option<string?>("--cron") { Description = "5 fields (minute hour day month weekday), or 6 with seconds first, e.g. \"0 2 * * *\"", HelpName = "EXPR" };
        var every = new Option<string?>("--every") { Description = "An interval instead of a cron: 30s, 15m, 2h, 1d, or ISO 8601 (PT15M)", HelpName = "DURATION" };
        var timeZone = new Option<string?>("--timezone") { Description = "The IANA time zone the cron is read in [default: UTC]", HelpName = "ZONE" };
        var startAt = new Option<string?>("--start-at") { Description = "No due time before this (RFC 3339 with an offset)", HelpName = "TIME" };
        var endAt = new Option<string?>("--end-at") { Description = "No due time after this (RFC 3339 with an offset)", HelpName = "TIME" };
        var jitter = new Option<string?>("--jitter") { Description = "Make each task up to this long after its due time (shorter than the interval)", HelpName = "DURATION" };
        var overlap = new Option<string?>("--overlap") { Description = "While the previous task runs [default: skip]", HelpName = "POLICY" }
            .AcceptOnlyFromAmong("skip", "buffer_one", "allow", "cancel_running");
        var missed = new Option<string?>("--missed") { Description = "Due times passed while down or paused [default: run_once]", HelpName = "POLICY" }
            .AcceptOnlyFromAmong("run_once", "skip", "run_all");
        var maxCatchup = new Option<int?>("--max-catchup") { Description = "Most tasks run_all makes for missed due times [default: 10]", HelpName = "N" };
        var client = Client();
        var command = new Command("put", "Create or replace a schedule and print it")
        {
            id, type, param, parameters, priority, cron, every, timeZone, startAt, endAt, jitter, overlap, missed, maxCatchup, client,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(cron) is null) == (result.GetValue(every) is null))
            {
                result.AddError("give either --cron or --every");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var body = new PutScheduleRequest(
                new ScheduleTaskTemplate(parse.GetRequiredValue(type), TaskCommands.Parameters(parse.GetValue(parameters), parse.GetValue(param) ?? []), parse.GetValue(priority)),
                parse.GetValue(client),
                parse.GetValue(cron),
                Duration(parse.GetValue(every)),
                parse.GetValue(timeZone),
                Time(parse.GetValue(startAt), "--start-at"),
                Time(parse.GetValue(endAt), "--end-at"),
                Duration(parse.GetValue(jitter)),
                parse.GetValue(overlap),
                parse.GetValue(missed),
                parse.GetValue(maxCatchup));
            var (schedule, created) = await context.Client.PutScheduleAsync(parse.GetRequiredValue(id), body, cancellationToken);
            if (!context.Json)
            {
                await context.Io.Stderr.WriteLineAsync(created ? "created" : "replaced");
            }

            await PrintAsync(context, schedule);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(Func<ParseResult, CliContext> contextOf)
    {
        var client = Client("Only this client's schedules (an admin without it: every user's)");
        var command = new Command("list", "List schedules with their next due times") { client };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var list = await context.Client.ListSchedulesAsync(parse.GetValue(client), cancellationToken);
            if (context.Json)
            {
                await Output.WriteJsonAsync(context.Io.Stdout, list);
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("ID", "CLIENT", "TASK", "WHEN", "NEXT DUE", "STATE");
            foreach (var s in list.Items)
            {
                table.AddRow(s.Id, s.Client, s.Task.Type, When(s), s.NextDue is { } next ? Output.Time(next) : "", s.Paused ? "paused" : "active");
            }

            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Next(Func<ParseResult, CliContext> contextOf)
    {
        var id = Id();
        var count = new Option<int?>("--count") { Description = "How many, 1 to 100 [default: 5]", HelpName = "N" };
        var client = Client();
        var command = new Command("next", "Print the next due times, in the schedule's time zone") { id, count, client };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var next = await context.Client.NextDueAsync(parse.GetRequiredValue(id), parse.GetValue(count), parse.GetValue(client), cancellationToken);
            if (context.Json)
            {
                await Output.WriteJsonAsync(context.Io.Stdout, next);
                return ExitCodes.Ok;
            }

            foreach (var due in next.Due)
            {
                await context.Io.Stdout.WriteLineAsync(due.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Runs(Func<ParseResult, CliContext> contextOf)
    {
        var id = Id();
        var limit = new Option<int?>("--limit") { Description = "How many, 1 to 100 [default: 50]", HelpName = "N" };
        var client = Client();
        var command = new Command("runs", "Print what the schedule made, newest first") { id, limit, client };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var runs = await context.Client.ScheduleRunsAsync(parse.GetRequiredValue(id), parse.GetValue(limit), parse.GetValue(client), cancellationToken);
            if (context.Json)
            {
                await Output.WriteJsonAsync(context.Io.Stdout, runs);
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("DUE", "OUTCOME", "TASK", "DETAIL");
            foreach (var run in runs.Items)
            {
                table.AddRow(
                    new Text(Output.Time(run.DueAt) + (run.Triggered ? " (trigger)" : "")),
                    new Text(run.Outcome, run.Outcome == "created" ? new Style(Color.Green) : run.Outcome == "refused" ? new Style(Color.Red) : Style.Plain),
                    new Text(run.TaskId ?? ""),
                    new Text(run.Detail ?? ""));
            }

            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Trigger(Func<ParseResult, CliContext> contextOf)
    {
        var id = Id();
        var client = Client();
        var command = new Command("trigger", "Make the schedule's task now, outside its due times, and print the run") { id, client };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var run = await context.Client.TriggerScheduleAsync(parse.GetRequiredValue(id), parse.GetValue(client), cancellationToken);
            if (context.Json)
            {
                await Output.WriteJsonAsync(context.Io.Stdout, run);
            }
            else
            {
                await context.Io.Stdout.WriteLineAsync(run.TaskId is { } task ? $"{run.Outcome} {task}" : $"{run.Outcome}: {run.Detail}");
            }

            return run.Outcome == "created" ? ExitCodes.Ok : ExitCodes.TaskDidNotSucceed;
        });
        return command;
    }

    private static Command Delete(Func<ParseResult, CliContext> contextOf)
    {
        var id = Id();
        var client = Client();
        var command = new Command("delete", "Delete a schedule (the tasks it made stay)") { id, client };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            await context.Client.DeleteScheduleAsync(parse.GetRequiredValue(id), parse.GetValue(client), cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command One(
        string name, string description, Func<ParseResult, CliContext> contextOf, Func<TaskerClient, string, string?, CancellationToken, Task<ScheduleView>> send)
    {
        var id = Id();
        var client = Client();
        var command = new Command(name, description) { id, client };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            await PrintAsync(context, await send(context.Client, parse.GetRequiredValue(id), parse.GetValue(client), cancellationToken));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task PrintAsync(CliContext context, ScheduleView schedule)
    {
        if (context.Json)
        {
            await Output.WriteJsonAsync(context.Io.Stdout, schedule);
        }
        else
        {
            context.Out.Write(Sheet(schedule));
        }
    }

    private static IRenderable Sheet(ScheduleView s)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string name, string? value)
        {
            if (value is not null)
            {
                grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
            }
        }

        Row("id", s.Id);
        Row("client", s.Client);
        Row("task", $"{s.Task.Type} {s.Task.Params.GetRawText()}");
        Row("when", When(s));
        Row("start", s.StartAt is { } start ? Output.Time(start) : null);
        Row("end", s.EndAt is { } end ? Output.Time(end) : null);
        Row("jitter", s.Jitter);
        Row("overlap", s.Overlap);
        Row("missed", s.Missed == "run_all" ? $"run_all (at most {s.MaxCatchup})" : s.Missed);
        Row("state", s.Paused ? "paused" : "active");
        Row("next due", s.NextDue is { } next ? Output.Time(next) : null);
        Row("last due", s.LastDue is { } last ? Output.Time(last) : null);
        Row("last task", s.LastTaskId);
        return grid;
    }

    private static string When(ScheduleView s) => s.Cron is { } cron ? $"cron {cron} ({s.Timezone})" : $"every {s.Every}";

    /// <summary>30s, 15m, 2h or 1d as ISO 8601; anything else as given, for the server to judge.</summary>
    private static string? Duration(string? text)
    {
        if (text is null || Short().Match(text) is not { Success: true } match)
        {
            return text;
        }

        var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var span = match.Groups[2].Value switch
        {
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            _ => TimeSpan.FromDays(amount),
        };
        return XmlConvert.ToString(span);
    }

    private static DateTimeOffset? Time(string? text, string option) =>
        text is null ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time
        : throw new UsageException($"{option} must be a time such as 2026-03-29T02:00:00+02:00, not '{text}'");

    [GeneratedRegex(@"^(\d{1,6}(?:\.\d+)?)(s|m|h|d)\z", RegexOptions.CultureInvariant)]
    private static partial Regex Short();
}
