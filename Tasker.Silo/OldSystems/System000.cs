using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Tasker.Handlers;
using Tasker.Silo.Endpoints;
using Tasker.Silo.FrontEnd;

namespace Tasker.Silo.OldSystems;

/// <summary>
/// System 000, "tasker" (SQS and a database): <c>POST /process</c>, <c>GET /get_requests_status</c> (a GET with a JSON
/// body, or <c>?client_name=</c>), <c>GET /get_processes_status</c> and <c>POST /set_processes_status</c>. Its fields are
/// <c>task</c> and <c>client_name</c> where Tasker says <c>type</c> and <c>client</c>; <c>params</c> are the same.
/// Its README sends bodies written <c>{\"task\":...}</c>, which these routes accept as the JSON they mean.
/// </summary>
public static class System000
{
    private static readonly string[] _processFields = ["task", "client_name", "params"];
    private static readonly Dictionary<string, string> _names = new() { ["type"] = "task", ["client"] = "client_name" };

    /// <summary>The answer of <c>POST /process</c>: the request's id, and <c>cached: true</c> when the result cache answered.</summary>
    public sealed record ProcessAnswer(
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Cached,
        string Rid,
        bool Success);

    /// <summary>One request of a client, as <c>GET /get_requests_status</c> lists it.</summary>
    public sealed record RequestStatus(
        string Rid,
        string Task,
        JsonElement Params,
        string Status,
        JsonElement? Result,
        string? Error,
        bool Cached,
        [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
        [property: JsonPropertyName("finished_at")] DateTimeOffset? FinishedAt);

    /// <summary>The answer of <c>GET /get_requests_status</c>: the client's requests, newest first.</summary>
    /// <param name="Next">The <c>cursor</c> of the next page, null at the end.</param>
    public sealed record RequestsStatus(
        [property: JsonPropertyName("client_name")] string ClientName,
        IReadOnlyList<RequestStatus> Requests,
        string? Next,
        bool Success);

    /// <summary>The answer of the process routes: every task type's status (active, suspended, error or queue).</summary>
    public sealed record ProcessesStatus(IReadOnlyDictionary<string, string> Processes, bool Success);

    public static void Map(RouteGroupBuilder app)
    {
        app.MapPost("/process", ProcessAsync)
            .WithSummary("000: submit a task")
            .WithDescription("""{"task":"sum2","client_name":"sh","params":{"first":1,"second":2}}: 200 with {"rid":...,"success":true}, or {"cached":true,"rid":...,"success":true} when the result cache answered. The rid is the task id of GET /tasks/{id}. A suspended task type is refused with a 409 that says so.""")
            .Accepts<JsonElement>("application/json");
        app.MapGet("/get_requests_status", GetRequestsStatusAsync)
            .WithSummary("000: a client's requests with their status and result")
            .WithDescription("""client_name from the query string, or from a JSON body {"client_name":"sh"} (a GET with a body, as 000 sends it; not declared here, since a GET's body has no meaning in HTTP). Newest first; limit (1–500, default 50) and cursor (the next of the previous answer) page through them.""")
;
        app.MapGet("/get_processes_status", GetProcessesStatusAsync)
            .WithSummary("000: every task type's status");
        app.MapPost("/set_processes_status", SetProcessesStatusAsync)
            .WithSummary("000: set the status of one or more task types")
            .WithDescription("""{"mult3":"suspended","sum2":"active"}: active or suspended for each type named; answers with every type's status. Admins only, as PUT /processes/{type}. All or none: nothing is set unless every entry is valid, and the types named change together.""")
            .RequireAuthorization(Hosting.AuthExtensions.AdminPolicy)
            .Accepts<JsonElement>("application/json");
    }

    public static async Task<Results<Ok<ProcessAnswer>, Problem<Status.Body>, Problem<Status.Submission>>> ProcessAsync(
        HttpRequest request, TaskRequestReader reader, TaskSubmitter submitter, IOptions<TaskerHttpOptions> options, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(
            request, options.Value.MaxRequestBodyBytes, "task, client_name and params", cancellationToken, acceptEscapedQuotes: true);
        if (body.Failed)
        {
            return body.Problem;
        }

        using (var document = body.Value)
        {
            var root = document.RootElement;
            var errors = new Dictionary<string, string[]>();
            JsonBody.RejectUnknownFields(root, _processFields, errors, "a 000 process request");
            var type = JsonBody.ReadString(root, "task", errors, required: true);
            var client = JsonBody.ReadString(root, "client_name", errors, required: true);
            var submitted = await OldSystem.CheckAndSubmitAsync(
                request.HttpContext, reader, submitter, new(type, root.TryGetProperty("params", out var p) ? p : null, client), errors,
                checkErrors => OldSystem.Rename(checkErrors, _names), "The process request is invalid");
            if (submitted.Failed)
            {
                return submitted.Problem;
            }

            var task = submitted.Value;
            var answer = new ProcessAnswer(task.Cached ? true : null, task.Id, Success: true);
            request.HttpContext.Response.Headers.Location = TaskViews.Self(task.Id);
            return TypedResults.Ok(answer);
        }
    }

    public static async Task<Results<Ok<RequestsStatus>, Problem<Status.Body>>> GetRequestsStatusAsync(
        HttpRequest request, TaskListing listing, IGrainFactory grains, TaskViews views, IOptions<TaskerHttpOptions> options,
        [FromQuery(Name = "client_name")] string? clientName, string? limit, string? cursor, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (clientName is null && JsonBody.HasBody(request))
        {
            var body = await JsonBody.ReadObjectAsync(
                request, options.Value.MaxRequestBodyBytes, "client_name", cancellationToken, acceptEscapedQuotes: true);
            if (body.Failed)
            {
                return body.Problem;
            }

            using (var document = body.Value)
            {
                JsonBody.RejectUnknownFields(document.RootElement, ["client_name"], errors, "a 000 requests status query");
                clientName = JsonBody.ReadString(document.RootElement, "client_name", errors, required: true);
            }
        }
        else if (string.IsNullOrEmpty(clientName))
        {
            errors["client_name"] = ["client_name is required: ?client_name=... or a JSON body {\"client_name\":\"...\"}"];
        }

        if (clientName is not null && !ClientNames.IsValid(clientName))
        {
            errors["client_name"] = [$"client_name must be {ClientNames.Rule}"];
        }

        var query = listing.Parse(type: null, status: null, limit, cursor);
        if (errors.Count > 0 || clientName is null)
        {
            return Problems.Invalid(errors, "The requests status query is invalid").As<Status.Body>();
        }

        if (query.Failed)
        {
            return query.Problem.As<Status.Body>();
        }

        var page = await listing.ForClientAsync(clientName, query.Value);
        var tasks = await Task.WhenAll(page.Items.Select(item => grains.GetGrain<ITaskGrain>(item.Id).GetAsync()));
        var requests = tasks.OfType<TaskSnapshot>().Select(views.From)
            .Select(t => new RequestStatus(t.Id, t.Type, t.Params, t.Status, t.Result, t.Error, t.Cached, t.CreatedAt, t.FinishedAt))
            .ToList();
        return TypedResults.Ok(new RequestsStatus(clientName, requests, page.Next, Success: true));
    }

    public static async Task<Ok<ProcessesStatus>> GetProcessesStatusAsync(ProcessGate gate, IGrainFactory grains) =>
        TypedResults.Ok(Statuses(await ProcessEndpoints.ReadTableAsync(grains, gate)));

    public static async Task<Results<Ok<ProcessesStatus>, Problem<Status.Body>>> SetProcessesStatusAsync(
        HttpRequest request, IGrainFactory grains, ProcessGate gate, TaskHandlerRegistry handlers, IOptions<TaskerHttpOptions> options,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(
            request, options.Value.MaxRequestBodyBytes, "a status for each task type, e.g. {\"mult3\":\"suspended\"}", cancellationToken, acceptEscapedQuotes: true);
        if (body.Failed)
        {
            return body.Problem;
        }

        var changes = new List<(string Type, ProcessStatus Status)>();
        var errors = new Dictionary<string, string[]>();
        using (var document = body.Value)
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!handlers.TryGet(property.Name, out _))
                {
                    errors[property.Name] = [$"{property.Name} is not a task type (known types: {string.Join(", ", handlers.Types)})"];
                }
                else if (property.Value.ValueKind != JsonValueKind.String)
                {
                    errors[property.Name] = [$"{property.Name} must be a string, active or suspended, not {JsonBody.Describe(property.Value.ValueKind)}"];
                }
                else if (!ProcessEndpoints.TryParseUserStatus(property.Value.GetString()!, out var status, out var refusal))
                {
                    errors[property.Name] = [$"{property.Name} {refusal}"];
                }
                else
                {
                    changes.Add((property.Name, status.Value));
                }
            }
        }

        if (errors.Count == 0 && changes.Count == 0)
        {
            return Problems.BadRequest("invalid-request", "The process update is invalid",
                "The body names no task type: send a status for each, e.g. {\"mult3\":\"suspended\"}.").As<Status.Body>();
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors, "The process update is invalid").As<Status.Body>();
        }

        var table = await ProcessEndpoints.SetStatusesAsync(grains, gate, changes.ToDictionary(c => c.Type, c => c.Status), reason: null);
        return TypedResults.Ok(Statuses(table));
    }

    private static ProcessesStatus Statuses(ProcessTable table) =>
        new(table.Entries.ToDictionary(e => e.Type, e => e.Status.ToWire()), Success: true);
}
