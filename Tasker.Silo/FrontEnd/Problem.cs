using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// A problem-details response (<c>application/problem+json</c>) whose possible statuses are in its type: a handler that
/// returns one in its <c>Results&lt;...&gt;</c> tells the OpenAPI document each status it may answer, as
/// <see cref="NotFound{TValue}"/> or <see cref="ValidationProblem"/> do for theirs. ASP.NET Core has no typed result for a
/// problem of a given status (its <see cref="ProblemHttpResult"/> declares none), nor for 413, 415, 422, 429 or 503.
/// </summary>
/// <typeparam name="TStatuses">The statuses it may have (<see cref="Status"/>); any other is a bug, refused at once.</typeparam>
public sealed class Problem<TStatuses> : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>, IContentTypeHttpResult
    where TStatuses : IProblemStatuses
{
    private const string ProblemJson = "application/problem+json";
    private readonly IResult _result;

    internal Problem(ProblemHttpResult result) : this(result, result.ProblemDetails, result.StatusCode)
    {
    }

    internal Problem(ValidationProblem result) : this(result, result.ProblemDetails, result.StatusCode)
    {
    }

    private Problem(IResult result, ProblemDetails details, int status)
    {
        if (!TStatuses.Codes.Contains(status))
        {
            throw new InvalidOperationException(
                $"A problem of {typeof(TStatuses).Name} has one of the statuses {string.Join(", ", TStatuses.Codes)}, not {status}: widen its type, so that the API's description lists it.");
        }

        _result = result;
        ProblemDetails = details;
        StatusCode = status;
    }

    public ProblemDetails ProblemDetails { get; }

    public int StatusCode { get; }

    public string ContentType => ProblemJson;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    object? IValueHttpResult.Value => ProblemDetails;

    ProblemDetails? IValueHttpResult<ProblemDetails>.Value => ProblemDetails;

    /// <summary>The same problem, as one of a wider set of statuses (a reader's problem answered by a handler that also refuses).</summary>
    public Problem<TWider> As<TWider>() where TWider : IProblemStatuses, IIncludes<TStatuses> => new(_result, ProblemDetails, StatusCode);

    public Task ExecuteAsync(HttpContext httpContext) => _result.ExecuteAsync(httpContext);

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        foreach (var status in TStatuses.Codes)
        {
            // A 400 names its bad fields (errors), as ValidationProblem describes it; every other status is a plain problem.
            var body = status == StatusCodes.Status400BadRequest ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails);
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, body, [ProblemJson]));
        }
    }
}
