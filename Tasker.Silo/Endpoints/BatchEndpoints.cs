using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Tasker.Api;
using Tasker.Silo.FrontEnd;
using Tasker.Silo.FrontEnd.Shell;

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

    // Items of one batch submitted at once: enough to keep the cores and storage busy, few enough that one batch
    // does not queue thousands of grain calls ahead of everyone else's requests.
    private const int Parallelism = 64;

    public static RouteGroupBuilder MapBatchEndpoint(this RouteGroupBuilder group)
    {
        group.MapPost("/batch", SubmitBatchAsync)
            .WithSummary("Submit up to 1,000 tasks at once")
            .WithDescription("A JSON array of task requests (type, params, client, priority, idempotency_key). 200 with one result per item in order: its status as POST /tasks would answer it alone, and the task or the problem. 400 only when the body itself is not such an array.")
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
        IShellSubmissionPolicy shellPolicy,
        TaskViews views,
        IOptions<FrontEndOptions> options,
        Tasker.Silo.Auth.TierRateLimiter tiers,
        CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadObjectAsync(
            request, options.Value.MaxRequestBodyBytes, "task requests", cancellationToken, kind: JsonValueKind.Array);
        if (document is null)
        {
            return problem!;
        }

        var items = new List<(TaskSubmission? Submission, string? Key, IResult? Problem)>();
        using (document)
        {
            var count = document.RootElement.GetArrayLength();
            if (count is 0 or > MaxItems)
            {
                return Problems.BadRequest("invalid-batch", "Invalid batch", $"A batch holds 1 to {MaxItems:N0} task requests; this one holds {count:N0}.");
            }

            // A batch of N counts as N requests against the user's tier (the request itself took the first permit).
            if (tiers.MaxBatch(request.HttpContext) is { } most && count > most)
            {
                return Problems.Problem(StatusCodes.Status429TooManyRequests, "Batch too large for the tier", "batch-too-large",
                    $"A batch of N counts as N requests, and user '{request.HttpContext.User.Identity?.Name}' may send {most} per second: send at most {most} items per batch.");
            }

            using var lease = tiers.TakeMore(request.HttpContext, count - 1);
            if (!lease.IsAcquired)
            {
                request.HttpContext.Response.Headers.RetryAfter = "1";
                return Problems.Problem(StatusCodes.Status429TooManyRequests, "Too many requests", "rate-limited",
                    $"User '{request.HttpContext.User.Identity?.Name}' sent more requests per second than its tier allows (a batch of {count} counts as {count}); retry after 1 s.");
            }

            foreach (var element in document.RootElement.EnumerateArray())
            {
                var item = reader.CheckBatchItem(request, element);
                if (item.Submission?.Type == Tasker.Shell.ShellHandler.TypeName && shellPolicy.Refuse(request.HttpContext) is { } refused)
                {
                    item = (null, null, refused);
                }

                items.Add(item);
            }
        }

        var results = new BatchItemResult[items.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (i, _) => results[i] = items[i] is { Submission: { } submission } item
                ? await SubmitAsync(submitter, views, submission, item.Key)
                : Refused(items[i].Problem!));
        var accepted = results.Count(r => r.Task is not null);
        return TypedResults.Ok(new BatchResult(accepted, results.Length - accepted, results));
    }

    private static async Task<BatchItemResult> SubmitAsync(TaskSubmitter submitter, TaskViews views, TaskSubmission submission, string? key)
    {
        try
        {
            var (task, refusal) = await submitter.SubmitAsync(submission, key);
            return task is null ? Refused(refusal!) : new BatchItemResult(task.Cached ? StatusCodes.Status200OK : StatusCodes.Status202Accepted, views.From(task), null);
        }
        catch (Tasker.Shell.ShellQueueFullException full)
        {
            return new BatchItemResult(StatusCodes.Status429TooManyRequests, null,
                new BatchProblem("Shell queue full", StatusCodes.Status429TooManyRequests, full.Message, "shell-queue-full"));
        }
        catch (Exception exception) when (TaskerExceptionHandler.IsUnavailability(exception))
        {
            // This item alone could not be stored now; the others stand. Retrying it (with its key) is safe.
            return new BatchItemResult(StatusCodes.Status503ServiceUnavailable, null, new BatchProblem(
                "Service unavailable", StatusCodes.Status503ServiceUnavailable,
                "Tasker cannot reach its storage or cluster right now; nothing was lost, retry this item shortly.", "unavailable"));
        }
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
