using System.Text.Json;
using System.Text.Json.Nodes;
using Tasker.Api;
using Tasker.Handlers;

namespace Tasker.Silo.FrontEnd;

/// <summary>Maps grain snapshots to the API's views.</summary>
public static class TaskViews
{
    /// <summary>Parameters that are secrets: kept in the task's state (a resumed task needs them), never shown.</summary>
    private static readonly string[] _secretParameters = ["api_key"];

    private const string Redacted = "***";

    public static string Self(string id) => $"/tasks/{id}";

    public static TaskView From(TaskSnapshot task) => new(
        task.Id,
        task.Type,
        task.Client,
        task.Phase.ToWire(),
        task.Priority.ToString().ToLowerInvariant(),
        Parameters(task.ParametersJson),
        Progress(task.Progress),
        task.ResultJson is null ? null : Parse(task.ResultJson),
        task.Error,
        task.Cached,
        task.CreatedAt,
        task.StartedAt,
        task.FinishedAt,
        task.ParentId,
        task.Version,
        Links(task.Id, task.Type));

    public static TaskStatusView Status(TaskSnapshot task) => new(task.Id, task.Phase.ToWire(), Progress(task.Progress), task.Error);

    public static TaskSummary Summary(ClientTaskEntry entry, string client) =>
        new(entry.TaskId, entry.Type, client, entry.Phase.ToWire(), entry.Cached, entry.CreatedAt, entry.FinishedAt, Self(entry.TaskId),
            Progress(entry.Progress), entry.Priority.ToString().ToLowerInvariant());

    public static ProcessView Process(ProcessEntry entry, string description) =>
        new(entry.Type, entry.Status.ToString().ToLowerInvariant(), entry.Reason, entry.Since, description);

    private static ProgressView? Progress(TaskProgress? progress) =>
        progress is null ? null : new ProgressView(progress.Done, progress.Total, progress.Percent);

    private static TaskLinks Links(string id, string type)
    {
        var self = Self(id);
        return new TaskLinks(self, $"{self}/status", $"{self}/result", $"{self}/events", $"{self}/pause", $"{self}/resume", $"{self}/cancel")
        {
            File = type == CsvExportHandler.TypeName ? CsvExportHandler.FileLink(id) : null,
        };
    }

    /// <summary>The parameters as shown: secret values replaced by <c>***</c>.</summary>
    private static JsonElement Parameters(string parametersJson)
    {
        if (!_secretParameters.Any(name => parametersJson.Contains($"\"{name}\"", StringComparison.Ordinal))
            || JsonNode.Parse(parametersJson) is not JsonObject parameters)
        {
            return Parse(parametersJson) ?? default;
        }

        foreach (var name in _secretParameters.Where(parameters.ContainsKey))
        {
            parameters[name] = Redacted;
        }

        return JsonSerializer.SerializeToElement(parameters);
    }

    private static JsonElement? Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
