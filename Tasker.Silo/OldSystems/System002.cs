using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Tasker.Api;
using Tasker.Silo.Endpoints;
using Tasker.Silo.FrontEnd;

namespace Tasker.Silo.OldSystems;

/// <summary>
/// System 002, "Tasker" (Redis microservices): <c>POST /sum</c>, <c>/sequence</c>, <c>/chat</c> and <c>/conversation</c>
/// with the parameters in <c>{"payload":{...}}</c>, answered as <c>POST /tasks</c> answers (the task id in the body and in
/// Location); <c>GET /task/{id}</c> is the task's result, <c>DELETE /task/{id}</c> deletes the task. Its requests name no
/// client: they are recorded under the configured one (<c>002</c>) or the signed-in user.
/// </summary>
public static class System002
{
    private static readonly string[] _fields = ["payload"];

    /// <summary>Each route: Tasker's type, and the payload's names for the type's parameters where they differ.</summary>
    private static readonly (string Route, string Type, Dictionary<string, string> Renamed, string Example)[] _routes =
    [
        ("/sum", "sum2", new() { ["num1"] = "first", ["num2"] = "second" }, """{"payload":{"num1":5,"num2":7}}"""),
        ("/sequence", "sequence", [], """{"payload":{"n":5}}"""),
        ("/chat", "chat", [], """{"payload":{"question":"...","api_key":"..."}}"""),
        ("/conversation", "conversation", [], """{"payload":{"topic":"AI","n":4,"api_key":"..."}}"""),
    ];

    public static void Map(RouteGroupBuilder app)
    {
        foreach (var (route, type, renamed, example) in _routes)
        {
            app.MapPost(route, (HttpContext context, TaskRequestReader reader, TaskSubmitter submitter, TaskViews views, IOptions<TaskerHttpOptions> options, CancellationToken cancellationToken) =>
                    SubmitAsync(context, type, renamed, reader, submitter, views, options, cancellationToken))
                .WithSummary($"002: submit a {type} task")
                .WithDescription($"{example}: answered as POST /tasks answers (202 with the task, its id and a Location header; 200 with cached: true from the result cache). Bad payload fields are named payload.*.")
                .Accepts<JsonElement>("application/json");
        }

        app.MapGet("/task/{id}", TaskEndpoints.GetResultAsync)
            .WithSummary("002: a task's result")
            .WithDescription("As GET /tasks/{id}/result: 200 with the result once the task succeeded; before that a 409 (result-not-ready) that says what the task is doing; 409 when it failed or was cancelled.");
        app.MapDelete("/task/{id}", TaskEndpoints.DeleteAsync)
            .WithSummary("002: delete a task")
            .WithDescription("As DELETE /tasks/{id}: 204 once the task has ended; 409 while it is still going (cancel it first).");
    }

    private static async Task<Results<Results<Accepted<TaskView>, Ok<TaskView>>, Problem<Status.Body>, Problem<Status.Submission>>> SubmitAsync(
        HttpContext context, string type, Dictionary<string, string> renamed, TaskRequestReader reader, TaskSubmitter submitter, TaskViews views,
        IOptions<TaskerHttpOptions> options, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request, options.Value.MaxRequestBodyBytes, "a payload", cancellationToken);
        if (body.Failed)
        {
            return body.Problem;
        }

        using (var document = body.Value)
        {
            var root = document.RootElement;
            var errors = new Dictionary<string, string[]>();
            JsonBody.RejectUnknownFields(root, _fields, errors, "a 002 request");
            if (!root.TryGetProperty("payload", out var payload) || payload.ValueKind == JsonValueKind.Null)
            {
                errors["payload"] = ["payload is required: the task's parameters, e.g. {\"payload\":{...}}"];
            }
            else if (payload.ValueKind == JsonValueKind.Object)
            {
                // Tasker's own name for a renamed field (sum's first) is not the payload's: it would shadow num1.
                foreach (var shadow in payload.EnumerateObject().Where(p => renamed.ContainsValue(p.Name) && !renamed.ContainsKey(p.Name)))
                {
                    errors[$"payload.{shadow.Name}"] = [$"payload.{shadow.Name} is not a parameter of this type (expected: {string.Join(", ", renamed.Keys)})"];
                }
            }

            var names = renamed.ToDictionary(r => $"params.{r.Value}", r => $"payload.{r.Key}");
            var submitted = await OldSystem.CheckAndSubmitAsync(
                context, reader, submitter, new(type, Parameters(payload, renamed), OldSystem.ClientOf(context)), errors,
                checkErrors => OldSystem.Rename(checkErrors, names, parameters: "payload")
                    .Select(e => KeyValuePair.Create(e.Key, (string[])[.. e.Value.Select(m => InPayloadWords(m, renamed))])),
                "The request is invalid");
            return submitted.Failed ? submitted.Problem : views.Answer(submitted.Value);
        }
    }

    /// <summary>A message's list of expected parameters, in the payload's names ("expected: num1, num2").</summary>
    private static string InPayloadWords(string message, Dictionary<string, string> renamed)
    {
        var at = message.IndexOf("(expected: ", StringComparison.Ordinal);
        if (at < 0 || renamed.Count == 0)
        {
            return message;
        }

        var names = renamed.ToDictionary(r => r.Value, r => r.Key);
        var list = message[(at + "(expected: ".Length)..].TrimEnd(')').Split(", ").Select(name => names.GetValueOrDefault(name, name));
        return $"{message[..at]}(expected: {string.Join(", ", list)})";
    }

    /// <summary>The payload with its fields renamed to the type's parameter names (others kept, for the type to refuse).</summary>
    private static JsonElement? Parameters(JsonElement payload, Dictionary<string, string> renamed)
    {
        if (payload.ValueKind == JsonValueKind.Undefined || payload.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (renamed.Count == 0 || payload.ValueKind != JsonValueKind.Object)
        {
            return payload;
        }

        var parameters = new JsonObject();
        foreach (var property in payload.EnumerateObject().Where(p => renamed.ContainsKey(p.Name) || !renamed.ContainsValue(p.Name)))
        {
            parameters[renamed.GetValueOrDefault(property.Name, property.Name)] = JsonNode.Parse(property.Value.GetRawText());
        }

        return JsonSerializer.SerializeToElement(parameters);
    }
}
