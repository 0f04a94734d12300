using System.Text.Json;
using Microsoft.Extensions.Options;
using Tasker.Handlers;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// Reads and checks the body of <c>POST /tasks</c> by hand rather than by model binding, so that every way a
/// body can be wrong (size, media type, syntax, JSON kinds, fields, parameters) becomes a 4xx that names it.
/// </summary>
public sealed class TaskRequestReader(TaskHandlerRegistry handlers, IOptions<TaskerHttpOptions> options, IEnumerable<ITaskRequestShape> oldShapes)
{
    private static readonly string[] _fields = ["type", "params", "client", "priority", "callback", .. TaskTiming.Fields, .. TaskFlow.Fields];
    private static readonly string[] _batchFields = ["type", "params", "client", "priority", "idempotency_key", "callback", .. TaskTiming.Fields, .. TaskFlow.Fields];

    /// <summary>The parsed submission, or the problem response to send instead.</summary>
    public async Task<Outcome<TaskSubmission, Status.Body>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(request, options.Value.MaxRequestBodyBytes, "type, params and client", cancellationToken);
        if (body.Failed)
        {
            return body.Problem;
        }

        using (var document = body.Value)
        {
            return Check(request, document.RootElement);
        }
    }

    private Outcome<TaskSubmission, Status.Body> Check(HttpRequest request, JsonElement root)
    {
        foreach (var shape in oldShapes)
        {
            if (shape.TryTranslate(root, out var canonical))
            {
                root = canonical; // An old system's body, rewritten into the canonical one and checked as such.
                break;
            }
        }

        var errors = new Dictionary<string, string[]>();
        JsonBody.RejectUnknownFields(root, _fields, errors, "a task request");
        var type = JsonBody.ReadString(root, "type", errors, required: true);
        var client = JsonBody.ReadString(root, "client", errors, required: Auth.Submitters.ClientRequired(request));
        var priorityText = JsonBody.ReadString(root, "priority", errors, required: false);

        var priority = TaskPriority.Normal;
        if (priorityText is not null && !TaskPriorities.TryParseWire(priorityText, out priority))
        {
            errors["priority"] = ["priority must be one of high, normal, low"];
        }

        var runAt = TaskTiming.Read(request.HttpContext, root, errors);
        var (retry, timeout) = TaskTiming.ReadAttempts(request.HttpContext, root, type, errors);
        var (after, afterPolicy) = TaskFlow.Read(root, type, Handler(type), batchItem: null, errors);
        var callback = CallbackReader.Read(request.HttpContext, root, errors);
        var submission = Check(request, type, root.TryGetProperty("params", out var p) ? p : null, client, priority, errors);
        return submission is null
            ? Problems.Invalid(errors, "The task request is invalid").As<Status.Body>()
            : submission with { RunAt = runAt, Retry = retry, Timeout = timeout, After = after, AfterPolicy = afterPolicy, Callback = callback };
    }

    /// <summary>
    /// Checks item <paramref name="index"/> of a batch (<c>POST /tasks/batch</c>): a canonical task request, with its own
    /// <c>idempotency_key</c> in place of the header, whose <c>after</c> may name earlier items (<c>#n</c>). The submission
    /// and key, or the 400 problem for this item.
    /// </summary>
    public TaskSubmitter.Item CheckBatchItem(HttpRequest request, JsonElement item, int index)
    {
        var errors = new Dictionary<string, string[]>();
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors["item"] = [$"each item must be a JSON object with type, params and client, not {JsonBody.Describe(item.ValueKind)}"];
            return new(null, Problem: Problems.Invalid(errors, "The task request is invalid").As<Status.Submission>());
        }

        JsonBody.RejectUnknownFields(item, _batchFields, errors, "a task request in a batch");
        var type = JsonBody.ReadString(item, "type", errors, required: true);
        var client = JsonBody.ReadString(item, "client", errors, required: Auth.Submitters.ClientRequired(request));
        var priorityText = JsonBody.ReadString(item, "priority", errors, required: false);
        var key = JsonBody.ReadString(item, "idempotency_key", errors, required: false);
        var priority = TaskPriority.Normal;
        if (priorityText is not null && !TaskPriorities.TryParseWire(priorityText, out priority))
        {
            errors["priority"] = ["priority must be one of high, normal, low"];
        }

        var runAt = TaskTiming.Read(request.HttpContext, item, errors);
        var (retry, timeout) = TaskTiming.ReadAttempts(request.HttpContext, item, type, errors);
        var (after, afterPolicy) = TaskFlow.Read(item, type, Handler(type), index, errors);
        var callback = CallbackReader.Read(request.HttpContext, item, errors);
        var submission = Check(request, type, item.TryGetProperty("params", out var p) ? p : null, client, priority, errors);
        return submission is null
            ? new(null, Problem: Problems.Invalid(errors, "The task request is invalid").As<Status.Submission>())
            : new(submission with { RunAt = runAt, Retry = retry, Timeout = timeout, After = after, AfterPolicy = afterPolicy, Callback = callback }, key);
    }

    /// <summary>
    /// Checks a request's parts, however its body named them: the client name, the type, and the type's parameters
    /// (absent: an empty object); with a signed-in caller, the client is the caller's own (docs/adr/015). Adds an
    /// error under <c>client</c>, <c>priority</c>, <c>type</c> or <c>params.*</c> for each bad one; returns the
    /// submission when <paramref name="errors"/> is still empty.
    /// </summary>
    public TaskSubmission? Check(
        HttpRequest request, string? type, JsonElement? parameters, string? client, TaskPriority priority, IDictionary<string, string[]> errors)
    {
        if (client is not null && !ClientNames.IsValid(client))
        {
            errors["client"] = [$"client must be {ClientNames.Rule}"];
        }

        client = Auth.Submitters.Resolve(request, client, priority, errors);

        string? parametersJson = null;
        if (type is not null)
        {
            if (!handlers.TryGet(type, out var handler))
            {
                errors["type"] = [$"type '{type}' is unknown (known types: {string.Join(", ", handlers.Types)})"];
            }
            else if (handler.Parameters.FirstOrDefault(p => p.Kind == ParameterKind.File) is { } file)
            {
                errors["type"] = [$"{type} takes an uploaded file: POST /tasks as multipart/form-data with the file in a part named {file.Name}"];
            }
            else
            {
                var check = handler.Validate(parameters ?? EmptyObject());
                foreach (var (field, messages) in check.Errors)
                {
                    errors[field] = messages;
                }

                parametersJson = check.CanonicalJson;
            }
        }

        return errors.Count > 0 || type is null || client is null || parametersJson is null
            ? null
            : new TaskSubmission(type, parametersJson, client, priority);
    }

    private ITaskHandler? Handler(string? type) => type is not null && handlers.TryGet(type, out var handler) ? handler : null;

    private static JsonElement EmptyObject()
    {
        using var document = JsonDocument.Parse("{}");
        return document.RootElement.Clone();
    }
}

/// <summary>
/// An old system's body of <c>POST /tasks</c> (see <c>OldSystems/</c>): recognised by its shape and rewritten into the
/// canonical request, which is then checked like any other. Adapters add no logic of their own.
/// </summary>
public interface ITaskRequestShape
{
    /// <summary>True when <paramref name="body"/> has this old system's shape; <paramref name="canonical"/> is then the canonical request.</summary>
    bool TryTranslate(JsonElement body, out JsonElement canonical);
}
