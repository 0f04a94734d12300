using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Tasker.Api;
using Tasker.Handlers;
using Tasker.Silo.Endpoints;
using Tasker.Silo.FrontEnd;
using Tasker.Silo.Hosting;
using Tasker.Tasks;

namespace Tasker.Silo.OldSystems;

/// <summary>
/// The old system 003 ("Ivelum task job"): <c>/api/v1/task/</c> with basic auth (always, even when authentication is
/// off elsewhere) and form fields. A thin adapter onto the canonical routes: <c>input_param=...</c> submits one
/// <c>input</c> task, <c>input_param[]=a&amp;input_param[]=b</c> one per value, for the signed-in user's client.
/// </summary>
public static class System003
{
    private const string Single = "input_param";
    private const string Many = "input_param[]";
    private const string InputType = "input";
    private const int MaxTasksPerRequest = 1000;

    /// <summary>Maps 003's routes into <paramref name="routes"/> (the old systems' registration calls this, one line per system).</summary>
    public static void Map(RouteGroupBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/task").RequireAuthorization(AuthExtensions.SignedInPolicy);
        group.MapPost("/", SubmitAsync)
            .WithName("system003Submit")
            .WithSummary("003: create input tasks from a form")
            .WithDescription("A form (application/x-www-form-urlencoded or multipart/form-data): input_param (one task) or input_param[] repeated (one task per value). 202 with the task, or with a list of tasks for input_param[].");
        group.MapGet("/", ListAsync).WithName("system003List").WithSummary("003: my tasks, newest first");
        group.MapGet("/{id}", (string id, IGrainFactory grains, TaskViews views, IHostApplicationLifetime lifetime, HttpContext context) =>
                TaskEndpoints.GetAsync(id, null, null, grains, views, lifetime, context))
            .WithName("system003Get").WithSummary("003: a task");
        group.MapGet("/{id}/status", TaskEndpoints.GetStatusAsync).WithName("system003Status").WithSummary("003: a task's status");
        group.MapGet("/{id}/result", TaskEndpoints.GetResultAsync).WithName("system003Result").WithSummary("003: a task's result");
    }

    public static Task<Results<Ok<TaskPage>, Problem<Status.BadRequest>>> ListAsync(TaskListing listing, ClaimsPrincipal user, string? limit, string? cursor) =>
        TaskEndpoints.ListAsync(listing, user, user.Identity!.Name, null, null, limit, cursor);

    public static async Task<Results<Results<Accepted<TaskView>, Ok<TaskView>>, Accepted<List<TaskView>>, Problem<Status.BadRequest>, Problem<Status.Submission>>> SubmitAsync(
        HttpRequest request, ClaimsPrincipal user, TaskHandlerRegistry handlers, TaskSubmitter submitter, TaskViews views, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { [Single] = ["send input_param (or input_param[]) as a form: application/x-www-form-urlencoded"] }, "The task request is invalid");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException exception)
        {
            // A form the client got wrong (a NUL or bad escape in a value, no multipart boundary, too many values).
            return Problems.BadRequest("malformed-form", "Malformed form", $"The form could not be read: {exception.Message}");
        }

        var values = form[Single].Concat(form[Many]).ToList();
        var errors = new Dictionary<string, string[]>();
        if (values.Count == 0)
        {
            errors[Single] = ["input_param is required (or input_param[] once per task)"];
        }
        else if (values.Count > MaxTasksPerRequest)
        {
            errors[Many] = [$"at most {MaxTasksPerRequest} values of input_param[] in one request"];
            values.Clear();
        }

        var submissions = new List<TaskSubmission>();
        for (var i = 0; i < values.Count; i++)
        {
            var field = form.ContainsKey(Many) && values.Count > 1 ? $"{Many[..^1]}{i}]" : Single;
            using var parameters = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string?> { [Single] = values[i] }));
            var check = handlers.Get(InputType).Validate(parameters.RootElement);
            if (check.CanonicalJson is null)
            {
                errors[field] = [.. check.Errors.SelectMany(e => e.Value)];
                continue;
            }

            submissions.Add(new TaskSubmission(InputType, check.CanonicalJson, user.Identity!.Name!, TaskPriority.Normal));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors, "The task request is invalid");
        }

        // All or none: a refusal (a suspended process, the tier's rate: one permit per task) answers for the whole request.
        var submitted = await submitter.SubmitManyAsync(
            request.HttpContext, [.. submissions.Select(s => new TaskSubmitter.Item(s))], allOrNothing: true, cancellationToken);
        if (submitted.Failed)
        {
            return submitted.Problem;
        }

        var accepted = submitted.Value.Select(o => o.Value!).ToList();
        if (form.ContainsKey(Many))
        {
            return TypedResults.Accepted((string?)null, accepted.Select(views.From).ToList());
        }

        return views.Answer(accepted[0]);
    }
}
