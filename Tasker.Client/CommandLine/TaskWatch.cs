using System.Globalization;
using Spectre.Console;
using Tasker.Api;

namespace Tasker.Client.CommandLine;

/// <summary>
/// Follows tasks to their end through the client's long poll, showing each change: a live bar per task on a
/// terminal, else one plain line per change on stderr (CI, pipes, <c>--json</c>).
/// </summary>
internal static class TaskWatch
{
    /// <summary>The outcome of waiting for one task: the task as it ended, or null when the timeout passed first.</summary>
    public sealed record Outcome(string Id, TaskView? Task);

    public static async Task<IReadOnlyList<Outcome>> WaitAsync(CliContext context, IReadOnlyList<string> ids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!context.LiveProgress)
        {
            var lines = new LineProgress(context.Io.Stderr);
            return await Task.WhenAll(ids.Select(id => WaitOneAsync(context.Client, id, timeout, lines, cancellationToken)));
        }

        IReadOnlyList<Outcome> outcomes = [];
        await context.Err.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                outcomes = await Task.WhenAll(ids.Select(id =>
                    WaitOneAsync(context.Client, id, timeout, new BarProgress(progress.AddTask(Markup.Escape(id), maxValue: 100)), cancellationToken)));
            });
        return outcomes;
    }

    private static async Task<Outcome> WaitOneAsync(TaskerClient client, string id, TimeSpan timeout, IProgress<TaskView> progress, CancellationToken cancellationToken)
    {
        try
        {
            return new Outcome(id, await client.WaitAsync(id, timeout, progress, cancellationToken));
        }
        catch (TimeoutException)
        {
            return new Outcome(id, null);
        }
    }

    /// <summary>Writes progress lines as they are reported, whole lines only when several tasks report at once.</summary>
    private sealed class LineProgress(TextWriter stderr) : IProgress<TaskView>
    {
        private readonly Lock _gate = new();

        public void Report(TaskView value)
        {
            lock (_gate)
            {
                stderr.WriteLine(Output.ProgressLine(value));
            }
        }
    }

    /// <summary>One task's bar: its percentage for a long task, a pulse until a short one ends.</summary>
    private sealed class BarProgress(ProgressTask bar) : IProgress<TaskView>
    {
        public void Report(TaskView value)
        {
            var colour = Output.StatusStyle(value.Status).Foreground.ToMarkup();
            bar.Description = $"{Markup.Escape(value.Id)} {Markup.Escape(value.Type)} [{colour}]{Markup.Escape(value.Status)}[/]";
            if (value.Progress is { } progress)
            {
                bar.IsIndeterminate = false;
                bar.Value = progress.Percent;
            }
            else
            {
                bar.IsIndeterminate = !value.IsFinal();
            }

            if (value.IsFinal())
            {
                bar.IsIndeterminate = false;
                bar.Value = value.Phase() == TaskPhase.Succeeded ? 100 : bar.Value;
                bar.StopTask();
            }
        }
    }

    /// <summary>The timeout's message for one task.</summary>
    public static string TimedOut(string id, TimeSpan timeout) =>
        string.Create(CultureInfo.InvariantCulture, $"task {id} had not ended after {timeout.TotalSeconds} s");
}
