using System.Text.Json;
using Microsoft.Extensions.Options;
using Tasker.Handlers;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// Reads and checks the body of <c>POST /tasks</c> by hand rather than by model binding, so that every way a
/// body can be wrong (size, media type, syntax, JSON kinds, fields, parameters) becomes a 4xx that names it.
/// </summary>
public sealed class TaskRequestReader(TaskHandlerRegistry handlers, IOptions<FrontEndOptions> options)
{
    private static readonly string[] _fields = ["type", "params", "client", "priority"];

    /// <summary>The parsed submission, or the problem response to send instead.</summary>
    public async Task<(TaskSubmission? Submission, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadObjectAsync(request, options.Value.MaxRequestBodyBytes, "type, params and client", cancellationToken);
        if (document is null)
        {
            return (null, problem);
        }

        using (document)
        {
            return Check(request, document.RootElement);
        }
    }

    private (TaskSubmission?, IResult?) Check(HttpRequest request, JsonElement root)
    {
        var errors = new Dictionary<string, string[]>();
        JsonBody.RejectUnknownFields(root, _fields, errors, "a task request");
        var type = JsonBody.ReadString(root, "type", errors, required: true);
        var client = JsonBody.ReadString(root, "client", errors, required: Auth.Submitters.ClientRequired(request));
        var priorityText = JsonBody.ReadString(root, "priority", errors, required: false);

        if (client is not null && !ClientNames.IsValid(client))
        {
            errors["client"] = [$"client must be {ClientNames.Rule}"];
        }

        var priority = TaskPriority.Normal;
        if (priorityText is not null && !TryParsePriority(priorityText, out priority))
        {
            errors["priority"] = ["priority must be one of high, normal, low"];
        }

        client = Auth.Submitters.Resolve(request, client, priority, errors);

        string? parametersJson = null;
        if (type is not null)
        {
            if (!handlers.TryGet(type, out var handler))
            {
                errors["type"] = [$"type '{type}' is unknown (known types: {string.Join(", ", handlers.Types)})"];
            }
            else if (type == CsvImportHandler.TypeName)
            {
                errors["type"] = [$"{type} takes an uploaded file: POST /tasks as multipart/form-data with the CSV in a part named file"];
            }
            else
            {
                var check = handler.Validate(root.TryGetProperty("params", out var p) ? p : EmptyObject());
                foreach (var (field, messages) in check.Errors)
                {
                    errors[field] = messages;
                }

                parametersJson = check.CanonicalJson;
            }
        }

        if (errors.Count > 0 || type is null || client is null || parametersJson is null)
        {
            return (null, Problems.Invalid(errors, "The task request is invalid"));
        }

        return (new TaskSubmission(type, parametersJson, client, priority), null);
    }

    /// <summary>Parses high, normal or low (any case).</summary>
    public static bool TryParsePriority(string text, out TaskPriority priority)
    {
        TaskPriority? parsed = text.ToLowerInvariant() switch
        {
            "high" => TaskPriority.High,
            "normal" => TaskPriority.Normal,
            "low" => TaskPriority.Low,
            _ => null,
        };
        priority = parsed ?? TaskPriority.Normal;
        return parsed is not null;
    }

    private static JsonElement EmptyObject()
    {
        using var document = JsonDocument.Parse("{}");
        return document.RootElement.Clone();
    }
}
