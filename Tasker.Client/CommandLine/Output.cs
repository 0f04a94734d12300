using System.Globalization;
using System.Text.Json;
using Tasker.Api;

namespace Tasker.Client.CommandLine;

/// <summary>How <c>tasker</c> writes: JSON documents on stdout, one-line errors and progress on stderr.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions _indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

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

    /// <summary>Writes progress lines as they are reported, in order, on the reporting thread.</summary>
    public sealed class ProgressWriter(TextWriter stderr) : IProgress<TaskView>
    {
        public void Report(TaskView value) => stderr.WriteLine(ProgressLine(value));
    }
}
