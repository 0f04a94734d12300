using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;
using Tasker.Api;

namespace Tasker.Client.CommandLine;

/// <summary>How <c>tasker</c> writes: JSON or tables on stdout, one-line errors and progress on stderr.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions _indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    // Without a terminal nothing says how wide the reader is; wide enough that a task's line never wraps.
    private const int PipeWidth = 240;

    /// <summary>A Spectre console on <paramref name="writer"/>: colours and live updates only for a terminal.</summary>
    public static IAnsiConsole Console(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!terminal)
        {
            console.Profile.Width = PipeWidth;
        }

        return console;
    }

    /// <summary>Writes <paramref name="value"/> as indented camelCase JSON, as the server shows it.</summary>
    public static Task WriteJsonAsync<T>(TextWriter stdout, T value) =>
        stdout.WriteLineAsync(JsonSerializer.Serialize(value, _indented));

    /// <summary><c>error: &lt;status&gt; &lt;title&gt;: &lt;detail&gt;</c>.</summary>
    public static Task WriteErrorAsync(TextWriter stderr, TaskerApiException error) =>
        stderr.WriteLineAsync($"error: {error.Message}");

    /// <summary><c>error: &lt;message&gt;</c>.</summary>
    public static Task WriteErrorAsync(TextWriter stderr, string message) =>
        stderr.WriteLineAsync($"error: {message}");

    /// <summary>One line per observed change of a task: id, status and, for long tasks, progress.</summary>
    public static string ProgressLine(TaskView task) => task.Progress is { } progress
        ? string.Create(CultureInfo.InvariantCulture, $"{task.Id} {task.Status} {progress.Done}/{progress.Total} ({progress.Percent:0.#}%)")
        : $"{task.Id} {task.Status}";

    /// <summary>A task as a two-column sheet: what a person asks for first, then its result or error.</summary>
    public static IRenderable TaskSheet(TaskView task)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string name, string? value, Style? style = null)
        {
            if (value is not null)
            {
                grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value, style ?? Style.Plain));
            }
        }

        Row("id", task.Id);
        Row("type", task.Type);
        Row("client", task.Client);
        Row("status", task.Status, StatusStyle(task.Status));
        Row("priority", task.Priority);
        Row("progress", task.Progress is { } p ? string.Create(CultureInfo.InvariantCulture, $"{p.Done}/{p.Total} ({p.Percent:0.#}%)") : null);
        Row("params", task.Params.GetRawText());
        Row("result", task.Result?.GetRawText());
        Row("cached", task.Cached ? "yes" : null);
        Row("error", task.Error, new Style(Color.Red));
        Row("error code", task.ErrorCode);
        Row("parent", task.ParentId);
        Row("after", task.After is { Count: > 0 } after ? $"{string.Join(", ", after)} ({task.AfterPolicy})" : null);
        Row("children", task.Children is { Count: > 0 } children ? string.Join(", ", children) : null);
        Row("created", Time(task.CreatedAt));
        Row("run at", task.RunAt is { } runAt ? Time(runAt) : null);
        Row("started", task.StartedAt is { } started ? Time(started) : null);
        Row("finished", task.FinishedAt is { } finished ? Time(finished) : null);
        Row("file", task.Links.File);
        return grid;
    }

    /// <summary>A page of tasks as a table, newest first.</summary>
    public static Table TaskTable(TaskPage page)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("ID", "TYPE", "CLIENT", "STATUS", "PRIORITY", "PROGRESS", "CREATED", "FINISHED");
        foreach (var task in page.Items)
        {
            table.AddRow(
                new Text(task.Id),
                new Text(task.Type),
                new Text(task.Client),
                new Text(task.Status, StatusStyle(task.Status)),
                new Text(task.Priority),
                new Text(task.Progress is { } p ? string.Create(CultureInfo.InvariantCulture, $"{p.Percent:0.#}%") : ""),
                new Text(Time(task.CreatedAt)),
                new Text(task.FinishedAt is { } finished ? Time(finished) : ""));
        }

        return table;
    }

    public static string Time(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static Style StatusStyle(string status) => !TaskPhases.TryParseWire(status, out var phase) ? Style.Plain : phase switch
    {
        TaskPhase.Succeeded => new Style(Color.Green),
        TaskPhase.Failed => new Style(Color.Red),
        TaskPhase.Cancelled => new Style(Color.Yellow),
        TaskPhase.Paused => new Style(Color.Blue),
        TaskPhase.Running => new Style(Color.Aqua),
        _ => Style.Plain,
    };
}
