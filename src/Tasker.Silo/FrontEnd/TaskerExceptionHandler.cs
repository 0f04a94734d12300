using Microsoft.AspNetCore.Diagnostics;

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
            TimeoutException or SiloUnavailableException or OrleansMessageRejectionException =>
                (StatusCodes.Status503ServiceUnavailable, "Service unavailable", "unavailable", "Tasker cannot answer right now; retry shortly."),
            _ => (StatusCodes.Status500InternalServerError, "Internal error", "internal-error", "An unexpected error occurred; it has been logged."),
        };

        if (status >= 500)
        {
            Unhandled(logger, context.Request.Method, context.Request.Path, exception);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "5";
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } },
        });
    }

    [LoggerMessage(1, LogLevel.Error, "Request {Method} {Path} failed")]
    private static partial void Unhandled(ILogger logger, string method, string path, Exception exception);
}
