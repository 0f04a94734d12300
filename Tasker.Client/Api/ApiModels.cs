using System.Text.Json;

namespace Tasker.Api;

/// <summary>The body of <c>POST /tasks</c>.</summary>
/// <param name="Type">The task type, e.g. <c>sum2</c>.</param>
/// <param name="Params">The type's parameters, e.g. <c>{"first":1,"second":2}</c>.</param>
/// <param name="Client">
/// The client the task belongs to. Optional in the schema because a signed-in caller may leave it out (it is then the
/// user's own name); without authentication the server refuses a task without it (a 400 naming <c>client</c>).
/// </param>
/// <param name="Priority"><c>high</c>, <c>normal</c> (default) or <c>low</c>.</param>
/// <param name="RunAt">When to run the task, an RFC 3339 time with its offset; it is <c>scheduled</c> until then.</param>
/// <param name="Delay">How long to wait before running the task: an ISO 8601 duration (<c>PT5M</c>) or seconds; not with <c>run_at</c>.</param>
public sealed record SubmitTaskRequest(
    string Type,
    JsonElement Params,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Client = null,
    string? Priority = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("run_at"),
               System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    DateTimeOffset? RunAt = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("delay"),
               System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Delay = null)
{
    /// <summary>The tasks this one runs after (ids; in a batch also <c>#n</c>, an earlier item of the same batch).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("after"),
     System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? After { get; init; }

    /// <summary><c>all_succeeded</c> (default) or <c>all_ended</c>: what the parents' ends must be for this task to run.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("after_policy"),
     System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? AfterPolicy { get; init; }

    /// <summary>Where to announce the task's end: a signed webhook to this URL for these events.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("callback"),
     System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public CallbackView? Callback { get; init; }
}

/// <summary>One task request of <c>POST /tasks/batch</c>: as the body of <c>POST /tasks</c>, with its own Idempotency-Key.</summary>
/// <param name="Type">The task type, e.g. <c>sum2</c>.</param>
/// <param name="Params">The type's parameters.</param>
/// <param name="Client">The client the task belongs to (a signed-in user's own name when omitted).</param>
/// <param name="Priority"><c>high</c>, <c>normal</c> (default) or <c>low</c>.</param>
/// <param name="IdempotencyKey">As the <c>Idempotency-Key</c> header of a single submission: a retried item returns the first task.</param>
public sealed record BatchItemRequest(
    string Type,
    JsonElement Params,
    string? Client = null,
    string? Priority = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("idempotency_key")] string? IdempotencyKey = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("run_at"),
               System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    DateTimeOffset? RunAt = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("delay"),
               System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Delay = null)
{
    /// <summary>The tasks this one runs after (ids; in a batch also <c>#n</c>, an earlier item of the same batch).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("after"),
     System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? After { get; init; }

    /// <summary><c>all_succeeded</c> (default) or <c>all_ended</c>: what the parents' ends must be for this task to run.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("after_policy"),
     System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? AfterPolicy { get; init; }
}

/// <summary>The answer of <c>POST /tasks/batch</c>: one result per item, in the order sent.</summary>
/// <param name="Accepted">Items that became (or met, by their Idempotency-Key) a task.</param>
/// <param name="Refused">Items answered with a problem.</param>
public sealed record BatchResult(int Accepted, int Refused, IReadOnlyList<BatchItemResult> Results);

/// <summary>
/// One item's result: <see cref="Status"/> as <c>POST /tasks</c> would have answered it alone (202 queued or run, 200 from
/// the cache, a 4xx, or 503 when storage was away), with the task or the problem.
/// </summary>
public sealed record BatchItemResult(int Status, TaskView? Task, BatchProblem? Problem);

/// <summary>The problem of a refused item, as the RFC 9457 problem <c>POST /tasks</c> would have answered.</summary>
public sealed record BatchProblem(string Title, int Status, string? Detail, string? Code, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>Progress of a long task.</summary>
public sealed record ProgressView(long Done, long Total, double Percent);

/// <summary>Where to go next with a task.</summary>
public sealed record TaskLinks(string Self, string Status, string Result, string Events, string Pause, string Resume, string Cancel)
{
    /// <summary>The file the task produces (its type makes one, e.g. csv-export), else null.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? File { get; init; }
}

/// <summary>A task, as the API shows it.</summary>
public sealed record TaskView(
    string Id,
    string Type,
    string Client,
    string Status,
    string Priority,
    JsonElement Params,
    ProgressView? Progress,
    JsonElement? Result,
    string? Error,
    bool Cached,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? ParentId,
    long Version,
    TaskLinks Links)
{
    /// <summary>The result in a few words for people, when the task's type has a way to say it (e.g. "1,200 rows · 48,100 bytes").</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Summary { get; init; }

    /// <summary>When the task was asked to run, for one asked for later (<c>run_at</c> or <c>delay</c>); it is <c>scheduled</c> until then.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>A stable code for why the task ended without success, beside <see cref="Error"/>: <c>timeout</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ErrorCode { get; init; }

    /// <summary>The attempt running or next to run, from 1; shown for a task that may be tried more than once.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? Attempt { get; init; }

    /// <summary>Attempts in all that the task's retry policy allows; shown with <see cref="Attempt"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxAttempts { get; init; }

    /// <summary>When the next attempt is due, while the task waits for it (<c>scheduled</c>).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The attempts that failed before this one, oldest first, each with its error.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AttemptView>? FailedAttempts { get; init; }

    /// <summary>The tasks this one runs after, in the order given; it is <c>waiting</c> until they have ended.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? After { get; init; }

    /// <summary>With <see cref="After"/>: <c>all_succeeded</c> or <c>all_ended</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? AfterPolicy { get; init; }

    /// <summary>The tasks that run after this one (the first 100), in the order they were submitted.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Children { get; init; }

    /// <summary>Where the task's end is announced (a signed webhook): the URL and the events; never a secret.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public CallbackView? Callback { get; init; }
}

/// <summary>One failed attempt of a task: its number, its error (and code), and when it ran.</summary>
public sealed record AttemptView(int Attempt, string Error, string? ErrorCode, DateTimeOffset? StartedAt, DateTimeOffset EndedAt);

/// <summary>The answer of <c>GET /tasks/{id}/status</c>.</summary>
public sealed record TaskStatusView(string Id, string Status, ProgressView? Progress, string? Error);

/// <summary>The answer of <c>GET /tasks/{id}/result</c> for a task that succeeded.</summary>
public sealed record TaskResultView(string Id, string Status, JsonElement? Result, bool Cached);

/// <summary>One line of a listing: enough to show the task in a list without asking for it.</summary>
/// <param name="Progress">The progress of a long task; while it runs, as of at most a second or so ago.</param>
/// <param name="Priority"><c>high</c>, <c>normal</c> or <c>low</c>.</param>
public sealed record TaskSummary(
    string Id, string Type, string Client, string Status, bool Cached, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string Self,
    ProgressView? Progress = null, string Priority = "normal");

/// <summary>A page of a listing, newest first; pass <see cref="Next"/> as <c>cursor</c> for the next page.</summary>
public sealed record TaskPage(IReadOnlyList<TaskSummary> Items, string? Next, long? TotalRecorded = null);

/// <summary>A task type's status.</summary>
public sealed record ProcessView(string Type, string Status, string? Reason, DateTimeOffset? Since, string Description);

/// <summary>The body of <c>PUT /processes/{type}</c>.</summary>
/// <param name="Status"><c>active</c> or <c>suspended</c> (<c>error</c> and <c>queue</c> are set by Tasker).</param>
/// <param name="Reason">Why, shown to clients whose requests are refused.</param>
public sealed record SetProcessRequest(string Status, string? Reason = null);
