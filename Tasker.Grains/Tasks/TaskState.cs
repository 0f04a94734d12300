namespace Tasker.Tasks;

/// <summary>The persisted state of one task. Ids are never renumbered.</summary>
[GenerateSerializer, Alias("tasker.TaskState")]
public sealed class TaskState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string Type { get; set; } = "";
    [Id(2)] public string ParametersJson { get; set; } = "{}";
    [Id(3)] public string Client { get; set; } = "";
    [Id(4)] public TaskPriority Priority { get; set; }
    [Id(5)] public string? ParentId { get; set; }
    [Id(6)] public TaskPhase Phase { get; set; }
    [Id(7)] public ProgressState? Progress { get; set; }
    [Id(8)] public string? ResultJson { get; set; }
    [Id(9)] public string? Error { get; set; }
    [Id(10)] public bool Cached { get; set; }
    [Id(11)] public DateTimeOffset CreatedAt { get; set; }
    [Id(12)] public DateTimeOffset? StartedAt { get; set; }
    [Id(13)] public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Grows with every change that is written; watchers compare it.</summary>
    [Id(14)] public long Version { get; set; }
    [Id(15)] public TaskCheckpoint Checkpoint { get; set; } = TaskCheckpoint.Start;
    /// <summary>The task whose identical computation this one waits for (result cache), while queued.</summary>
    [Id(16)] public string? LeaderId { get; set; }
    /// <summary>Counts the runs of this task; a run that started under an older epoch must not commit.</summary>
    [Id(17)] public long Epoch { get; set; }
    /// <summary>A shell task's lease while an agent holds it: the fencing token every report must carry.</summary>
    [Id(18)] public ShellLeaseState? Lease { get; set; }
    /// <summary>Leases a shell task has been given (released ones not counted).</summary>
    [Id(19)] public int Attempts { get; set; }
    /// <summary>Whether this task holds or waits for one of its user's running slots (docs/adr/015). Id 30: clear of others' additions.</summary>
    [Id(30)] public SlotClaim Slot { get; set; }
    /// <summary>When the task was asked to run, for one asked for later; kept after it started, to be shown.</summary>
    [Id(31)] public DateTimeOffset? RunAt { get; set; }
    /// <summary>How a failed attempt is tried again; null for one attempt.</summary>
    [Id(32)] public RetryState? Retry { get; set; }
    /// <summary>The attempt running or next to run, from 1 (0 in states stored before retries: read as 1).</summary>
    [Id(33)] public int Attempt { get; set; }
    /// <summary>When the next attempt is due, while the task waits for it (scheduled).</summary>
    [Id(34)] public DateTimeOffset? NextAttemptAt { get; set; }
    /// <summary>The attempts that failed before this one (at most <see cref="RetryState.MaxAttempts"/>, so bounded).</summary>
    [Id(35)] public List<AttemptState> FailedAttempts { get; set; } = [];
    /// <summary>How long one attempt may run; null for no limit.</summary>
    [Id(36)] public TimeSpan? Timeout { get; set; }
    /// <summary>When the running attempt times out (its due entry holds the same time).</summary>
    [Id(37)] public DateTimeOffset? Deadline { get; set; }
    /// <summary>A stable code for why the task ended without success (<c>timeout</c>), beside <see cref="Error"/>.</summary>
    [Id(38)] public string? ErrorCode { get; set; }
    /// <summary>The tasks this one runs after (its parents in a flow), in the order given; null for none.</summary>
    [Id(39)] public string[]? After { get; set; }
    [Id(40)] public AfterPolicy AfterPolicy { get; set; }
    /// <summary>Where the task's end is announced (a signed webhook); null for nowhere.</summary>
    [Id(41)] public CallbackState? Callback { get; set; }
    /// <summary>How each parent that has ended ended (at most one per parent of <see cref="After"/>, so bounded).</summary>
    [Id(42)] public Dictionary<string, ParentEnd> ParentEnds { get; set; } = [];
    /// <summary>The tasks that run after this one: told of its end, and they keep it from expiring until they end (at most <see cref="MaxChildren"/>).</summary>
    [Id(43)] public List<string> Children { get; set; } = [];
    /// <summary>Whether the task's end has been told to its children and its webhook (docs/adr/035).</summary>
    [Id(44)] public EndNotices EndNotices { get; set; }
    /// <summary>While the end's notices are pending: when their due entry sends them again if they were not sent by then.</summary>
    [Id(45)] public DateTimeOffset? EndNoticesDueAt { get; set; }

    /// <summary>The most tasks that may run after one task.</summary>
    public const int MaxChildren = 10_000;

    /// <summary>The tasks that run after this one shown with it (the first ones): a view stays small whatever the fan-out.</summary>
    public const int ShownChildren = 100;

    /// <summary>A task just accepted from a submission: queued, nothing written yet.</summary>
    public static TaskState Accept(TaskSubmission submission, DateTimeOffset now) => new()
    {
        Exists = true,
        Type = submission.Type,
        ParametersJson = submission.ParametersJson,
        Client = submission.Client,
        Priority = submission.Priority,
        ParentId = submission.ParentId,
        CreatedAt = now,
        Phase = TaskPhase.Queued,
        RunAt = submission.RunAt,
        Retry = RetryState.From(submission.Retry),
        Attempt = 1,
        Timeout = submission.Timeout,
        Callback = CallbackState.From(submission.Callback),
        After = submission.After is { Count: > 0 } after ? [.. after] : null,
        AfterPolicy = submission.AfterPolicy,
    };

    public void Finish(DateTimeOffset at, TaskPhase phase, string? error = null, string? code = null)
    {
        Phase = phase;
        Error = error;
        ErrorCode = code;
        Deadline = null;
        FinishedAt = at;
        LeaderId = null;
        Lease = null;
    }

    public TaskSnapshot ToSnapshot(string id) => new(
        id, Type, Client, Phase, Priority, ParametersJson, Progress?.ToProgress(), ResultJson, Error, Cached,
        CreatedAt, StartedAt, FinishedAt, Version, ParentId, RunAt,
        Math.Max(1, Attempt), Retry?.MaxAttempts ?? 1, Phase == TaskPhase.Scheduled ? NextAttemptAt : null,
        FailedAttempts.Count > 0 ? [.. FailedAttempts.Select(a => a.ToWire())] : null, ErrorCode,
        After: After, AfterPolicy: AfterPolicy, Callback: Callback?.ToWire(),
        Children: Children.Count > 0 ? [.. Children.Take(ShownChildren)] : null);

    public ClientTaskEntry ToHistoryEntry(string id) => new(id, Type, Phase, Cached, CreatedAt, FinishedAt, Progress?.ToProgress(), Priority);
}

/// <summary>
/// A task's stored progress: the grain's own type, not the wire contract <see cref="TaskProgress"/>, so that the contract
/// can change without touching stored data. Its field ids are those <see cref="TaskProgress"/> was stored with.
/// </summary>
[GenerateSerializer, Alias("tasker.ProgressState")]
public sealed record ProgressState([property: Id(0)] long Done, [property: Id(1)] long Total)
{
    public static ProgressState From(TaskProgress progress) => new(progress.Done, progress.Total);

    public TaskProgress ToProgress() => new(Done, Total);
}

/// <summary>The lease of a shell task: which agent holds it, its token, and until when.</summary>
[GenerateSerializer, Alias("tasker.ShellLeaseState")]
public sealed class ShellLeaseState
{
    [Id(0)] public string Agent { get; set; } = "";
    [Id(1)] public string Token { get; set; } = "";
    [Id(2)] public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>A task's retry policy as stored: the grain's own type, not the wire contract <see cref="RetryPolicy"/>.</summary>
[GenerateSerializer, Alias("tasker.RetryState")]
public sealed record RetryState(
    [property: Id(0)] int MaxAttempts,
    [property: Id(1)] bool Exponential,
    [property: Id(2)] TimeSpan InitialDelay,
    [property: Id(3)] double Multiplier,
    [property: Id(4)] TimeSpan MaxDelay,
    [property: Id(5)] double Jitter)
{
    public static RetryState? From(RetryPolicy? policy) => policy is null ? null
        : new(policy.MaxAttempts, policy.Exponential, policy.InitialDelay, policy.Multiplier, policy.MaxDelay, policy.Jitter);

    public RetryPolicy ToPolicy() => new(MaxAttempts, Exponential, InitialDelay, Multiplier, MaxDelay, Jitter);
}

/// <summary>A task's completion webhook as stored: the grain's own type, not the wire contract <see cref="TaskCallback"/>.</summary>
[GenerateSerializer, Alias("tasker.CallbackState")]
public sealed record CallbackState([property: Id(0)] string Url, [property: Id(1)] string[] Events)
{
    public static CallbackState? From(TaskCallback? callback) => callback is null ? null : new(callback.Url, [.. callback.Events]);

    public TaskCallback ToWire() => new(Url, Events);

    /// <summary>Whether an end in <paramref name="phase"/> is announced.</summary>
    public bool Announces(TaskPhase phase) => phase.IsFinal() && Events.Contains(phase.ToWire());
}

/// <summary>One failed attempt, as stored.</summary>
[GenerateSerializer, Alias("tasker.AttemptState")]
public sealed record AttemptState(
    [property: Id(0)] int Attempt,
    [property: Id(1)] string Error,
    [property: Id(2)] string? Code,
    [property: Id(3)] DateTimeOffset? StartedAt,
    [property: Id(4)] DateTimeOffset EndedAt)
{
    public AttemptError ToWire() => new(Attempt, Error, Code, StartedAt, EndedAt);
}

/// <summary>Whether a task's end has reached those it must reach: the tasks that run after it, and its webhook.</summary>
[GenerateSerializer, Alias("tasker.EndNotices")]
public enum EndNotices
{
    /// <summary>The task has not ended (or ended before notices existed).</summary>
    None = 0,
    /// <summary>Ended, and the notices are not all sent: a due entry sends them again until they are.</summary>
    Pending = 1,
    /// <summary>Sent, or there was nothing to send.</summary>
    Sent = 2,
}

/// <summary>A long task's claim on its user's running slots.</summary>
[GenerateSerializer, Alias("tasker.SlotClaim")]
public enum SlotClaim
{
    /// <summary>No claim: a short task, a child, or one that has ended.</summary>
    None = 0,
    /// <summary>Queued until a slot frees.</summary>
    Waiting = 1,
    /// <summary>Holds a slot (while running or paused).</summary>
    Holding = 2,
}
