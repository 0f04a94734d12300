namespace Tasker.Silo.FrontEnd;

/// <summary>The statuses a <see cref="Problem{TStatuses}"/> may have.</summary>
public interface IProblemStatuses
{
    static abstract IReadOnlyList<int> Codes { get; }
}

/// <summary>
/// Says that a set of statuses holds every status of <typeparamref name="TNarrower"/>, so that a problem of that set may be
/// answered as one of this (<see cref="Problem{TStatuses}.As{TWider}"/>): a widening the sets do not declare does not
/// compile. A test checks that each declaration is true of the codes.
/// </summary>
public interface IIncludes<TNarrower> where TNarrower : IProblemStatuses;

/// <summary>The sets of statuses the API's problems come in: one status each, or what a step of a request may answer.</summary>
public static class Status
{
    public sealed class BadRequest : IProblemStatuses
    {
        public static IReadOnlyList<int> Codes { get; } = [StatusCodes.Status400BadRequest];
    }

    public sealed class Unauthorized : IProblemStatuses
    {
        public static IReadOnlyList<int> Codes { get; } = [StatusCodes.Status401Unauthorized];
    }

    public sealed class Forbidden : IProblemStatuses
    {
        public static IReadOnlyList<int> Codes { get; } = [StatusCodes.Status403Forbidden];
    }

    public sealed class NotFound : IProblemStatuses
    {
        public static IReadOnlyList<int> Codes { get; } = [StatusCodes.Status404NotFound];
    }

    public sealed class Conflict : IProblemStatuses
    {
        public static IReadOnlyList<int> Codes { get; } = [StatusCodes.Status409Conflict];
    }

    public sealed class UnsupportedMediaType : IProblemStatuses
    {
        public static IReadOnlyList<int> Codes { get; } = [StatusCodes.Status415UnsupportedMediaType];
    }

    public sealed class Unavailable : IProblemStatuses
    {
        public static IReadOnlyList<int> Codes { get; } = [StatusCodes.Status503ServiceUnavailable];
    }

    /// <summary>What a command on a task may answer besides its success: there is no such task, or it cannot do that now.</summary>
    public sealed class TaskCommand : IProblemStatuses, IIncludes<NotFound>, IIncludes<Conflict>
    {
        public static IReadOnlyList<int> Codes { get; } = [StatusCodes.Status404NotFound, StatusCodes.Status409Conflict];
    }

    /// <summary>What an executor agent's report of a task's outcome may answer: its body is wrong (400, 413, 415), or the task refuses it (404, 409).</summary>
    public sealed class Report : IProblemStatuses, IIncludes<BadRequest>, IIncludes<NotFound>, IIncludes<Conflict>, IIncludes<Body>, IIncludes<TaskCommand>
    {
        public static IReadOnlyList<int> Codes { get; } =
        [
            StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict,
            StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType,
        ];
    }

    /// <summary>What reading a request's body (JSON or a form) may answer: it is malformed or invalid, too large, or not of a media type the route reads.</summary>
    public sealed class Body : IProblemStatuses, IIncludes<BadRequest>, IIncludes<UnsupportedMediaType>
    {
        public static IReadOnlyList<int> Codes { get; } =
            [StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType];
    }

    /// <summary>
    /// What the submission seam may refuse a task with (docs/adr/028): an invalid request or Idempotency-Key (400), a shell
    /// policy (403), a parent that does not exist (404) or has expired (422), a suspended process or a reused key (409), the
    /// tier's rate for a request of several tasks (429), storage out of reach for one of several (503); and, for a reader that
    /// submits, what its body may answer (413, 415).
    /// </summary>
    public sealed class Submission : IProblemStatuses, IIncludes<BadRequest>, IIncludes<Forbidden>, IIncludes<NotFound>, IIncludes<Conflict>,
        IIncludes<Unavailable>, IIncludes<Body>
    {
        public static IReadOnlyList<int> Codes { get; } =
        [
            StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict,
            StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity,
            StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable,
        ];
    }
}
