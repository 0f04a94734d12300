namespace Tasker.Silo.FrontEnd;

/// <summary>
/// The problem-details responses of the API, each with a stable <c>code</c> a client can switch on, typed by their status
/// (<see cref="Problem{TStatuses}"/>) so that the handlers' return types describe them.
/// </summary>
public static class Problems
{
    public static Problem<Status.NotFound> NotFound(string detail) => Problem<Status.NotFound>(StatusCodes.Status404NotFound, "Not found", "not-found", detail);

    public static Problem<Status.NotFound> TaskNotFound(string id) => NotFound($"There is no task with id '{id}'.");

    public static Problem<Status.Conflict> Conflict(string code, string title, string detail) => Problem<Status.Conflict>(StatusCodes.Status409Conflict, title, code, detail);

    public static Problem<Status.BadRequest> BadRequest(string code, string title, string detail) => Problem<Status.BadRequest>(StatusCodes.Status400BadRequest, title, code, detail);

    /// <summary>A 400 that names every bad field, as RFC 9457 validation problems do.</summary>
    public static Problem<Status.BadRequest> Invalid(IDictionary<string, string[]> errors, string title, string code = "invalid-request") =>
        new(TypedResults.ValidationProblem(
            errors,
            detail: string.Join("; ", errors.SelectMany(e => e.Value)),
            title: title,
            extensions: new Dictionary<string, object?> { ["code"] = code }));

    /// <summary>The 503 of a request that may be sent again: nothing was lost.</summary>
    public static Problem<Status.Unavailable> Unavailable(string code, string detail) =>
        Problem<Status.Unavailable>(StatusCodes.Status503ServiceUnavailable, "Service unavailable", code, detail);

    /// <summary>
    /// Completes problems the framework writes without a detail (status code pages: a route that does not exist, a method
    /// the route does not take, a body the route's Accepts metadata refuses), so that every problem has a detail and a code.
    /// </summary>
    public static void Complete(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var request = context.HttpContext.Request;
        if (problem.Detail is null)
        {
            var (code, detail) = problem.Status switch
            {
                StatusCodes.Status404NotFound => ("not-found", $"There is nothing at {request.Path}."),
                StatusCodes.Status405MethodNotAllowed => ("method-not-allowed", $"{request.Path} does not accept {request.Method}."),
                StatusCodes.Status415UnsupportedMediaType => ("unsupported-media-type",
                    $"The body must be JSON (Content-Type: application/json), not '{request.ContentType ?? "none"}'."),
                { } status => ($"http-{status}", problem.Title ?? Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)),
                null => ("error", problem.Title ?? "The request failed."),
            };
            problem.Detail = detail;
            problem.Extensions.TryAdd("code", code);
        }
    }

    /// <summary>
    /// A problem about what one field of the request names (not a 400: the field is well formed, what it names is not
    /// right), with that field's error under <c>errors</c>, as a 400 names its fields.
    /// </summary>
    public static Problem<Status.Submission> FieldProblem(int status, string title, string code, string detail, string field, string error) =>
        Problem<Status.Submission>(status, title, code, detail, new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [error] } });

    /// <summary>The 422 for a task named in <c>after</c> that keeps as many tasks that run after it as it may.</summary>
    public static Problem<Status.Submission> ParentRefused(DependencyRefusedException refused) =>
        FieldProblem(StatusCodes.Status422UnprocessableEntity, "Parent refused", "parent-refused", refused.Message, "after",
            refused.Parent is { } parent ? $"task {parent} takes no more tasks that run after it" : refused.Message);

    /// <summary>A problem of <paramref name="status"/>, which must be one of <typeparamref name="TStatuses"/>.</summary>
    public static Problem<TStatuses> Problem<TStatuses>(int status, string title, string code, string detail, IDictionary<string, object?>? extensions = null)
        where TStatuses : IProblemStatuses
    {
        var all = new Dictionary<string, object?> { ["code"] = code };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            all[key] = value;
        }

        return new(TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: all));
    }
}
