using System.Net;

namespace Tasker.Client;

/// <summary>
/// The Tasker server answered with an error: an RFC 9457 problem (<c>application/problem+json</c>), or, from
/// something in between such as a proxy, any other non-success response.
/// </summary>
public sealed class TaskerApiException : Exception
{
    private static readonly IReadOnlyDictionary<string, string[]> _noErrors = new Dictionary<string, string[]>();

    /// <summary>Creates the exception for one error response.</summary>
    /// <param name="statusCode">The HTTP status of the response.</param>
    /// <param name="title">The problem's <c>title</c>, or the reason phrase when the body was not a problem.</param>
    /// <param name="detail">The problem's <c>detail</c>, or the start of the body when it was not a problem.</param>
    /// <param name="code">The problem's stable <c>code</c> (e.g. <c>illegal-transition</c>), when it has one.</param>
    /// <param name="errors">For a 400, each bad field and what is wrong with it.</param>
    public TaskerApiException(HttpStatusCode statusCode, string title, string? detail, string? code, IReadOnlyDictionary<string, string[]>? errors)
        : base(Describe(statusCode, title, detail))
    {
        StatusCode = statusCode;
        Title = title;
        Detail = detail;
        Code = code;
        Errors = errors ?? _noErrors;
    }

    /// <summary>The HTTP status of the response, e.g. 400, 404 or 409.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>A short summary of the kind of problem, e.g. <c>Illegal transition</c>.</summary>
    public string Title { get; }

    /// <summary>What went wrong in this occurrence, when the server said.</summary>
    public string? Detail { get; }

    /// <summary>The problem's stable code a program can switch on (e.g. <c>invalid-request</c>, <c>not-found</c>).</summary>
    public string? Code { get; }

    /// <summary>For validation problems, the bad fields (e.g. <c>type</c>, <c>client</c>) and their messages; otherwise empty.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    private static string Describe(HttpStatusCode statusCode, string title, string? detail) =>
        detail is null ? $"{(int)statusCode} {title}" : $"{(int)statusCode} {title}: {detail}";
}
