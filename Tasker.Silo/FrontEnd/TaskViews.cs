using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json.Nodes;
using Tasker.Api;
using Tasker.Handlers;
using Tasker.Secrets;

namespace Tasker.Silo.FrontEnd;

/// <summary>Maps grain snapshots to the API's views, with what the task's handler says about its type.</summary>
public sealed class TaskViews(TaskHandlerRegistry handlers)
{
    private const string Redacted = "***";

    public static string Self(string id) => $"/tasks/{id}";

    /// <summary>The answer to a submission: 202 with the task and its Location, or 200 when the result cache answered.</summary>
    public Results<Accepted<TaskView>, Ok<TaskView>> Answer(TaskSnapshot task)
    {
        var view = From(task);
        return task.Cached ? TypedResults.Ok(view) : TypedResults.Accepted(view.Links.Self, view);
    }

    public TaskView From(TaskSnapshot task) => new(
        task.Id,
        task.Type,
        task.Client,
        task.Phase.ToWire(),
        task.Priority.ToWire(),
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
        Links(task.Id, handlers.TryGet(task.Type, out var handler) && handler.Produces is not null))
    {
        Summary = task.ResultJson is not null && handlers.TryGet(task.Type, out var summarizer) ? Summarize(summarizer, task.ResultJson) : null,
        RunAt = task.RunAt,
        ErrorCode = task.ErrorCode,
        Attempt = task.MaxAttempts > 1 ? task.Attempt : null,
        MaxAttempts = task.MaxAttempts > 1 ? task.MaxAttempts : null,
        NextAttemptAt = task.NextAttemptAt,
        FailedAttempts = task.FailedAttempts is { } failed ? [.. failed.Select(a => new AttemptView(a.Attempt, a.Error, a.Code, a.StartedAt, a.EndedAt))] : null,
        After = task.After,
        AfterPolicy = task.After is null ? null : task.AfterPolicy == Tasker.AfterPolicy.AllEnded ? "all_ended" : "all_succeeded",
        Children = task.Children,
        Callback = task.Callback is { } callback ? new CallbackView(callback.Url, callback.Events) : null,
    };

    public static TaskStatusView Status(TaskSnapshot task) => new(task.Id, task.Phase.ToWire(), Progress(task.Progress), task.Error);

    public static TaskSummary Summary(ClientTaskEntry entry, string client) =>
        new(entry.TaskId, entry.Type, client, entry.Phase.ToWire(), entry.Cached, entry.CreatedAt, entry.FinishedAt, Self(entry.TaskId),
            Progress(entry.Progress), entry.Priority.ToWire());

    public static ProcessView Process(ProcessEntry entry, string description) =>
        new(entry.Type, entry.Status.ToWire(), entry.Reason, entry.Since, description);

    private static ProgressView? Progress(TaskProgress? progress) =>
        progress is null ? null : new ProgressView(progress.Done, progress.Total, progress.Percent);

    private static TaskLinks Links(string id, bool makesFile)
    {
        var self = Self(id);
        return new TaskLinks(self, $"{self}/status", $"{self}/result", $"{self}/events", $"{self}/pause", $"{self}/resume", $"{self}/cancel")
        {
            File = makesFile ? $"{self}/file" : null,
        };
    }

    private static string? Summarize(ITaskHandler handler, string resultJson)
    {
        using var result = JsonDocument.Parse(resultJson);
        return handler.Summarize(result.RootElement);
    }

    /// <summary>The parameters as shown: secret values (stored sealed, docs/adr/018) replaced by <c>***</c>.</summary>
    private static JsonElement Parameters(string parametersJson)
    {
        if (!parametersJson.Contains("\"dp1:", StringComparison.Ordinal) || JsonNode.Parse(parametersJson) is not JsonObject parameters)
        {
            return Parse(parametersJson) ?? default;
        }

        foreach (var (name, value) in parameters.ToList())
        {
            if (value is JsonValue text && text.TryGetValue<string>(out var secret) && SecretParameters.IsSealed(secret))
            {
                parameters[name] = Redacted;
            }
        }

        return JsonSerializer.SerializeToElement(parameters);
    }

    private static JsonElement? Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
