namespace Tasker;

/// <summary>A validated request to run a task: the type, its canonical parameters and who asked.</summary>
/// <param name="Type">The task type, e.g. <c>sum2</c>.</param>
/// <param name="ParametersJson">The parameters as canonical JSON (sorted keys, normalised numbers).</param>
/// <param name="Client">The client name the task belongs to.</param>
/// <param name="Priority">The requested priority.</param>
/// <param name="ParentId">The parent task when this task is a child (sequence), else null.</param>
/// <param name="RunAt">When the task is due, for a task asked for later; null to start at once.</param>
/// <param name="Retry">How a failed attempt is tried again; null for one attempt.</param>
/// <param name="Timeout">How long one attempt may run before it is stopped; null for no limit.</param>
/// <param name="After">The tasks this one waits for (its parents in a flow); null or empty to start without waiting.</param>
/// <param name="AfterPolicy">What the parents' ends must be for this task to run.</param>
/// <param name="Callback">Where to announce the task's end (a signed webhook); null for none.</param>
[GenerateSerializer, Immutable, Alias("tasker.TaskSubmission")]
public sealed record TaskSubmission(
    [property: Id(0)] string Type,
    [property: Id(1)] string ParametersJson,
    [property: Id(2)] string Client,
    [property: Id(3)] TaskPriority Priority,
    [property: Id(4)] string? ParentId = null,
    [property: Id(5)] DateTimeOffset? RunAt = null,
    [property: Id(6)] RetryPolicy? Retry = null,
    [property: Id(7)] TimeSpan? Timeout = null,
    [property: Id(8)] IReadOnlyList<string>? After = null,
    [property: Id(9)] AfterPolicy AfterPolicy = AfterPolicy.AllSucceeded,
    [property: Id(10)] TaskCallback? Callback = null);

/// <summary>What the parents of a task must have ended as for it to run.</summary>
[GenerateSerializer, Alias("tasker.AfterPolicy")]
public enum AfterPolicy
{
    /// <summary>Runs when every parent succeeded; a parent that failed, was cancelled, deleted or expired ends it <c>dependency-failed</c>.</summary>
    AllSucceeded = 0,
    /// <summary>Runs when every parent has ended, however.</summary>
    AllEnded = 1,
}

/// <summary>A completion webhook: the URL Tasker POSTs a signed event to when the task ends as one of <paramref name="Events"/>.</summary>
/// <param name="Events">Wire names of the final phases announced: <c>succeeded</c>, <c>failed</c>, <c>cancelled</c>.</param>
[GenerateSerializer, Immutable, Alias("tasker.TaskCallback")]
public sealed record TaskCallback([property: Id(0)] string Url, [property: Id(1)] IReadOnlyList<string> Events);

/// <summary>
/// How a failed attempt of a task is tried again: up to <paramref name="MaxAttempts"/> attempts in all, after a pause that
/// starts at <paramref name="InitialDelay"/> and, when <paramref name="Exponential"/>, grows by <paramref name="Multiplier"/>
/// each time, never beyond <paramref name="MaxDelay"/>, spread by ±<paramref name="Jitter"/> of itself.
/// </summary>
[GenerateSerializer, Immutable, Alias("tasker.RetryPolicy")]
public sealed record RetryPolicy(
    [property: Id(0)] int MaxAttempts,
    [property: Id(1)] bool Exponential,
    [property: Id(2)] TimeSpan InitialDelay,
    [property: Id(3)] double Multiplier,
    [property: Id(4)] TimeSpan MaxDelay,
    [property: Id(5)] double Jitter)
{
    /// <summary>The pause before attempt <paramref name="next"/> (2 for the first retry); <paramref name="random"/> in [0, 1) draws the jitter.</summary>
    public TimeSpan DelayBefore(int next, double random)
    {
        var steps = Math.Max(0, next - 2);
        var seconds = Exponential ? InitialDelay.TotalSeconds * Math.Pow(Multiplier, steps) : InitialDelay.TotalSeconds;
        seconds = Math.Min(seconds, MaxDelay.TotalSeconds);
        seconds *= 1 + (Jitter * ((2 * random) - 1));
        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }
}

/// <summary>Why one attempt of a task ended without success.</summary>
[GenerateSerializer, Immutable, Alias("tasker.AttemptError")]
public sealed record AttemptError(
    [property: Id(0)] int Attempt,
    [property: Id(1)] string Error,
    [property: Id(2)] string? Code,
    [property: Id(3)] DateTimeOffset? StartedAt,
    [property: Id(4)] DateTimeOffset EndedAt);

/// <summary>How far a task has come: <paramref name="Done"/> of <paramref name="Total"/> units.</summary>
[GenerateSerializer, Immutable, Alias("tasker.TaskProgress")]
public sealed record TaskProgress([property: Id(0)] long Done, [property: Id(1)] long Total)
{
    /// <summary>Done as a percentage of total, 0–100, rounded down to one decimal.</summary>
    public double Percent => Total <= 0 ? 0 : Math.Floor(Math.Min(Done, Total) * 1000.0 / Total) / 10.0;
}

/// <summary>Everything known about one task at one moment.</summary>
/// <param name="Version">Grows with every change; watchers wait for a version above the one they saw.</param>
[GenerateSerializer, Immutable, Alias("tasker.TaskSnapshot")]
public sealed record TaskSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string Type,
    [property: Id(2)] string Client,
    [property: Id(3)] TaskPhase Phase,
    [property: Id(4)] TaskPriority Priority,
    [property: Id(5)] string ParametersJson,
    [property: Id(6)] TaskProgress? Progress,
    [property: Id(7)] string? ResultJson,
    [property: Id(8)] string? Error,
    [property: Id(9)] bool Cached,
    [property: Id(10)] DateTimeOffset CreatedAt,
    [property: Id(11)] DateTimeOffset? StartedAt,
    [property: Id(12)] DateTimeOffset? FinishedAt,
    [property: Id(13)] long Version,
    [property: Id(14)] string? ParentId,
    [property: Id(15)] DateTimeOffset? RunAt = null,
    [property: Id(16)] int Attempt = 1,
    [property: Id(17)] int MaxAttempts = 1,
    [property: Id(18)] DateTimeOffset? NextAttemptAt = null,
    [property: Id(19)] IReadOnlyList<AttemptError>? FailedAttempts = null,
    [property: Id(20)] string? ErrorCode = null,
    [property: Id(21)] IReadOnlyList<string>? After = null,
    [property: Id(22)] AfterPolicy AfterPolicy = AfterPolicy.AllSucceeded,
    [property: Id(23)] TaskCallback? Callback = null,
    [property: Id(24)] IReadOnlyList<string>? Children = null);

/// <summary>The outcome of a lifecycle command (pause, resume, cancel, delete).</summary>
[GenerateSerializer, Alias("tasker.TaskCommandStatus")]
public enum TaskCommandStatus
{
    Done = 0,
    NotFound = 1,
    IllegalTransition = 2,
}

/// <summary>What a lifecycle command did, with the task as it now is.</summary>
[GenerateSerializer, Immutable, Alias("tasker.TaskCommandResult")]
public sealed record TaskCommandResult(
    [property: Id(0)] TaskCommandStatus Status,
    [property: Id(1)] TaskSnapshot? Task,
    [property: Id(2)] string? Reason = null);

/// <summary>
/// One line of a client's request history: what a listing shows. Written at each phase change and, while the task
/// runs, with its progress at most once a second, so that a listing needs no call per task.
/// </summary>
[GenerateSerializer, Immutable, Alias("tasker.ClientTaskEntry")]
public sealed record ClientTaskEntry(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string Type,
    [property: Id(2)] TaskPhase Phase,
    [property: Id(3)] bool Cached,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? FinishedAt,
    [property: Id(6)] TaskProgress? Progress = null,
    [property: Id(7)] TaskPriority Priority = TaskPriority.Normal);

/// <summary>A query over a client's history, newest first.</summary>
/// <param name="Before">Cursor: only tasks whose id sorts before this one (ids grow with time).</param>
[GenerateSerializer, Immutable, Alias("tasker.HistoryQuery")]
public sealed record HistoryQuery(
    [property: Id(0)] int Limit,
    [property: Id(1)] string? Before = null,
    [property: Id(2)] string? Type = null,
    [property: Id(3)] TaskPhase? Phase = null);

/// <summary>A page of history, newest first; <see cref="Next"/> is the cursor for the next page, null at the end.</summary>
[GenerateSerializer, Immutable, Alias("tasker.HistoryPage")]
public sealed record HistoryPage(
    [property: Id(0)] IReadOnlyList<ClientTaskEntry> Entries,
    [property: Id(1)] string? Next,
    [property: Id(2)] long TotalRecorded);

/// <summary>The status a task type (a "process") can be in.</summary>
[GenerateSerializer, Alias("tasker.ProcessStatus")]
public enum ProcessStatus
{
    Active = 0,
    Suspended = 1,
    Error = 2,
    Queue = 3,
}

/// <summary>The wire names of <see cref="ProcessStatus"/>.</summary>
public static class ProcessStatuses
{
    /// <summary>The lower-case wire name, as used in URLs and JSON.</summary>
    public static string ToWire(this ProcessStatus status) => WireName.Of(status);
}

/// <summary>A task type's status, why it was set and when.</summary>
[GenerateSerializer, Immutable, Alias("tasker.ProcessEntry")]
public sealed record ProcessEntry(
    [property: Id(0)] string Type,
    [property: Id(1)] ProcessStatus Status,
    [property: Id(2)] string? Reason,
    [property: Id(3)] DateTimeOffset? Since);

/// <summary>All task types' statuses, with a version that grows on every change.</summary>
[GenerateSerializer, Immutable, Alias("tasker.ProcessTable")]
public sealed record ProcessTable(
    [property: Id(0)] IReadOnlyList<ProcessEntry> Entries,
    [property: Id(1)] long Version);

/// <summary>The answer of the result cache for one canonical request.</summary>
[GenerateSerializer, Alias("tasker.CacheLookupStatus")]
public enum CacheLookupStatus
{
    /// <summary>A stored result answers the request.</summary>
    Hit = 0,
    /// <summary>The result was computed just now for this request.</summary>
    Computed = 1,
    /// <summary>The caller is now the one computing it and must report back.</summary>
    Lead = 2,
    /// <summary>Another task is computing it; the caller waits for it.</summary>
    Follow = 3,
    /// <summary>The computation failed; the error says why.</summary>
    Failed = 4,
}

/// <summary>What the result cache answered.</summary>
[GenerateSerializer, Immutable, Alias("tasker.CacheAnswer")]
public sealed record CacheAnswer(
    [property: Id(0)] CacheLookupStatus Status,
    [property: Id(1)] string? ResultJson = null,
    [property: Id(2)] string? Error = null,
    [property: Id(3)] string? LeaderId = null);
