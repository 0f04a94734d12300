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
            .Accepts<IReadOnlyList<BatchItemRequest>>("application/json")
            .Produces<BatchResult>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return group;
    }

    public static async Task<IResult> SubmitBatchAsync(
        HttpRequest request,
        TaskRequestReader reader,
        TaskSubmitter submitter,
        TaskViews views,
        IOptions<FrontEndOptions> options,
        CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadObjectAsync(
            request, options.Value.MaxRequestBodyBytes, "task requests", cancellationToken, kind: JsonValueKind.Array);
        if (document is null)
        {
            return problem!;
        }

        var items = new List<TaskSubmitter.Item>();
        using (document)
        {
            var count = document.RootElement.GetArrayLength();
            if (count is 0 or > MaxItems)
            {
                return Problems.BadRequest("invalid-batch", "Invalid batch", $"A batch holds 1 to {MaxItems:N0} task requests; this one holds {count:N0}.");
            }

            foreach (var element in document.RootElement.EnumerateArray())
            {
                var (submission, key, refused) = reader.CheckBatchItem(request, element, items.Count);
                items.Add(new TaskSubmitter.Item(submission, key, refused));
            }
        }

        // A batch of N counts as N requests against the user's tier, and each item meets every check of POST /tasks.
        var (outcomes, whole) = await submitter.SubmitManyAsync(request.HttpContext, items, allOrNothing: false, cancellationToken);
        if (outcomes is null)
        {
            return whole!;
        }

        var results = outcomes
            .Select(o => o.Task is { } task
                ? new BatchItemResult(task.Cached ? StatusCodes.Status200OK : StatusCodes.Status202Accepted, views.From(task), null)
                : Refused(o.Problem!))
            .ToArray();
        var accepted = results.Count(r => r.Task is not null);
        return TypedResults.Ok(new BatchResult(accepted, results.Length - accepted, results));
    }

    private static BatchItemResult Refused(IResult result)
    {
        var (status, details) = result switch
        {
            ProblemHttpResult p => (p.StatusCode, p.ProblemDetails),
            ValidationProblem v => (v.StatusCode, (ProblemDetails)v.ProblemDetails),
            _ => throw new InvalidOperationException($"A refusal must be a problem, not {result.GetType().Name}."),
        };
        var code = details.Extensions.TryGetValue("code", out var value) ? value?.ToString() : null;
        var errors = (details as HttpValidationProblemDetails)?.Errors.ToDictionary(e => e.Key, e => e.Value);
        return new BatchItemResult(status, null, new BatchProblem(details.Title ?? "", status, details.Detail, code, errors));
    }
}
