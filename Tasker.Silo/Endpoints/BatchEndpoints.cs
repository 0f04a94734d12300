using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Tasker.Api;
using Tasker.Silo.FrontEnd;

namespace Tasker.Silo.Endpoints;

/// <summary>
/// <c>POST /tasks/batch</c>: up to <see cref="MaxItems"/> task requests in one JSON array, each submitted as
/// <c>POST /tasks</c> would submit it (the same checks, cache, Idempotency-Key, shell policy, durability before the
/// answer), and one result per item in the order sent. One bad item does not sink the others: the answer is 200 with
/// each item's own status, as BullMQ's <c>addBulk</c> or Celery's <c>group</c> users expect from a bulk submit.
/// </summary>
public static class BatchEndpoints
{
    public const int MaxItems = 1_000;

    public static RouteGroupBuilder MapBatchEndpoint(this RouteGroupBuilder group)
    {
        group.MapPost("/batch", SubmitBatchAsync)
            .WithSummary("Submit up to 1,000 tasks at once")
            .WithDescription("A JSON array of task requests (type, params, client, priority, idempotency_key, run_at, delay, retry, timeout, after, after_policy); an item's after may name earlier items of the batch as \"#0\", \"#1\", ..., so a flow of up to 1,000 tasks is one request. 200 with one result per item in order: its status as POST /tasks would answer it alone, and the task or the problem. 400 only when the body itself is not such an array.")
            .Accepts<IReadOnlyList<BatchItemRequest>>("application/json");
        return group;
    }

    public static async Task<Results<Ok<BatchResult>, Problem<Status.Body>, Problem<Status.Submission>>> SubmitBatchAsync(
        HttpRequest request,
        TaskRequestReader reader,
        TaskSubmitter submitter,
        TaskViews views,
        IOptions<TaskerHttpOptions> options,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(
            request, options.Value.MaxRequestBodyBytes, "task requests", cancellationToken, kind: JsonValueKind.Array);
        if (body.Failed)
        {
            return body.Problem;
        }

        var items = new List<TaskSubmitter.Item>();
        using (var document = body.Value)
        {
            var count = document.RootElement.GetArrayLength();
            if (count is 0 or > MaxItems)
            {
                return Problems.BadRequest("invalid-batch", "Invalid batch", $"A batch holds 1 to {MaxItems:N0} task requests; this one holds {count:N0}.")
                    .As<Status.Body>();
            }

            foreach (var element in document.RootElement.EnumerateArray())
            {
                items.Add(reader.CheckBatchItem(request, element, items.Count));
            }
        }

        // A batch of N counts as N requests against the user's tier, and each item meets every check of POST /tasks.
        var submitted = await submitter.SubmitManyAsync(request.HttpContext, items, allOrNothing: false, cancellationToken);
        if (submitted.Failed)
        {
            return submitted.Problem;
        }

        var results = submitted.Value
            .Select(o => o.Value is { } task
                ? new BatchItemResult(task.Cached ? StatusCodes.Status200OK : StatusCodes.Status202Accepted, views.From(task), null)
                : Refused(o.Problem!))
            .ToArray();
        var accepted = results.Count(r => r.Task is not null);
        return TypedResults.Ok(new BatchResult(accepted, results.Length - accepted, results));
    }

    private static BatchItemResult Refused(Problem<Status.Submission> problem)
    {
        var (status, details) = (problem.StatusCode, problem.ProblemDetails);
        var code = details.Extensions.TryGetValue("code", out var value) ? value?.ToString() : null;
        var errors = (details as HttpValidationProblemDetails)?.Errors.ToDictionary(e => e.Key, e => e.Value);
        return new BatchItemResult(status, null, new BatchProblem(details.Title ?? "", status, details.Detail, code, errors));
    }
}
