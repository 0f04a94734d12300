using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Tasker.Api;

namespace Tasker.Client.CommandLine;

/// <summary><c>tasker deliveries ID [--redeliver]</c>: a task's webhook delivery and its attempts, or sending it again.</summary>
internal static class WebhookCommands
{
    public static Command Deliveries(Func<ParseResult, CliContext> contextOf)
    {
        var id = new Argument<string>("id") { Description = "The task's id" };
        var redeliver = new Option<bool>("--redeliver") { Description = "Send the webhook again now (the same webhook-id), then print the delivery" };
        var command = new Command("deliveries", "Print a task's webhook delivery: its status, webhook-id and latest attempts") { id, redeliver };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var taskId = parse.GetRequiredValue(id);
            var deliveries = parse.GetValue(redeliver)
                ? await context.Client.RedeliverAsync(taskId, cancellationToken)
                : await context.Client.GetDeliveriesAsync(taskId, cancellationToken);
            if (context.Json)
            {
                await Output.WriteJsonAsync(context.Io.Stdout, deliveries);
                return ExitCodes.Ok;
            }

            var next = deliveries.NextAttemptAt is { } at ? $", next attempt {Output.Time(at)}" : "";
            context.Out.MarkupLineInterpolated($"[bold]{deliveries.Status}[/] {deliveries.Url ?? "(no callback)"} {deliveries.WebhookId ?? ""} ({deliveries.AttemptCount} attempts{next})");
            if (deliveries.Attempts.Count > 0)
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumns("TIME", "STATUS", "DURATION", "ERROR");
                foreach (var attempt in deliveries.Attempts)
                {
                    table.AddRow(new IRenderable[]
                    {
                        new Text(Output.Time(attempt.At)),
                        new Text(attempt.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "-"),
                        new Text($"{attempt.DurationMs.ToString(CultureInfo.InvariantCulture)} ms"),
                        new Text(attempt.Error ?? ""),
                    });
                }

                context.Out.Write(table);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
