using Microsoft.AspNetCore.Diagnostics;
using Tasker.Storage;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// The last line of error handling. Bad requests the framework detects keep their 4xx; a cluster that cannot
/// answer in time is a 503 with Retry-After; anything else is a bug, logged, and a 500 problem.
/// </summary>
public sealed partial class TaskerExceptionHandler(IProblemDetailsService problems, ILogger<TaskerExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, code, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", "bad-request", bad.Message),
            IOException io when IsMalformedFraming(io) =>
                (StatusCodes.Status400BadRequest, "Bad request", "bad-request", $"The request body could not be read: {io.Message}"),
            Tasker.Shell.ShellQueueFullException full => (StatusCodes.Status429TooManyRequests, "Shell queue full", "shell-queue-full", full.Message),
            DependencyRefusedException refused => (StatusCodes.Status422UnprocessableEntity, "Parent refused", "parent-refused", refused.Message),
            SubmissionRefusedException refused => (StatusCodes.Status403Forbidden, "Submission refused", "submission-refused", $"Refused: {refused.Message}."),
            _ when Outages.IsOutage(exception) =>
                (StatusCodes.Status503ServiceUnavailable, "Service unavailable", "unavailable",
                    "Tasker cannot reach its storage or cluster right now; nothing was lost, retry shortly."),
            _ => (StatusCodes.Status500InternalServerError, "Internal error", "internal-error", "An unexpected error occurred; it has been logged."),
        };

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            Unavailable(logger, context.Request.Method, context.Request.Path, exception.GetType().Name, exception.Message);
        }
        else if (status >= 500)
        {
            Unhandled(logger, context.Request.Method, context.Request.Path, exception);
        }

        if (status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status429TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "5";
        }

        context.Response.StatusCode = status;
        ProblemDetailsContext Problem() => new()
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } },
        };
        if (await problems.TryWriteAsync(Problem()))
        {
            return true;
        }

        // The writer declines when the client's Accept admits no JSON (text/html, text/event-stream, a malformed
        // value). Declining would make the middleware log an error and rethrow, a 500 for anything but Kestrel's own
        // exceptions (found by the fuzzer); the answer is a problem whatever the client accepts, as the endpoints' are.
        context.Request.Headers.Accept = default;
        return await problems.TryWriteAsync(Problem());
    }

    /// <summary>
    /// True for an I/O error that Kestrel raised while parsing the request's own framing (e.g. a chunk size that
    /// overflows): the client sent it, so it is a 400, not a server fault.
    /// </summary>
    private static bool IsMalformedFraming(IOException exception) =>
        exception.TargetSite?.DeclaringType?.FullName?.StartsWith("Microsoft.AspNetCore.Server.Kestrel.", StringComparison.Ordinal) == true;
}
