namespace Tasker.Silo.FrontEnd;

/// <summary>The problem-details responses of the API, each with a stable <c>code</c> a client can switch on.</summary>
public static class Problems
{
    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "Not found", "not-found", detail);

    public static IResult TaskNotFound(string id) => NotFound($"There is no task with id '{id}'.");

    public static IResult Conflict(string code, string title, string detail) => Problem(StatusCodes.Status409Conflict, title, code, detail);

    public static IResult BadRequest(string code, string title, string detail) => Problem(StatusCodes.Status400BadRequest, title, code, detail);

    /// <summary>A 400 that names every bad field, as RFC 9457 validation problems do.</summary>
    public static IResult Invalid(IDictionary<string, string[]> errors, string title) =>
        TypedResults.ValidationProblem(
            errors,
            detail: string.Join("; ", errors.SelectMany(e => e.Value)),
            title: title,
            extensions: new Dictionary<string, object?> { ["code"] = "invalid-request" });

    public static IResult Problem(int status, string title, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?> { ["code"] = code };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            all[key] = value;
        }

        return TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: all);
    }
}
