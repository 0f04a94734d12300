namespace Tasker.Schedules;

/// <summary>What a due time does while the schedule's previous task has not ended.</summary>
[GenerateSerializer, Alias("tasker.OverlapPolicy")]
public enum OverlapPolicy
{
    /// <summary>No task for this due time (the default).</summary>
    Skip = 0,
    /// <summary>One task waits until the previous one ends, then is made; further due times meanwhile are skipped.</summary>
    BufferOne = 1,
    /// <summary>A task is made at once, beside the previous one.</summary>
    Allow = 2,
    /// <summary>The previous task is cancelled and a task is made at once.</summary>
    CancelRunning = 3,
}

/// <summary>What the due times that passed while Tasker was down or the schedule paused do.</summary>
[GenerateSerializer, Alias("tasker.MissedPolicy")]
public enum MissedPolicy
{
    /// <summary>One task for all of them, for the latest (the default).</summary>
    RunOnce = 0,
    /// <summary>No task for any of them.</summary>
    Skip = 1,
    /// <summary>One task per missed due time, the latest <see cref="ScheduleDefinition.MaxCatchup"/> of them.</summary>
    RunAll = 2,
}

/// <summary>
/// A schedule as its owner asked for it, checked and normalised by the front end: the task template and when to make it.
/// Exactly one of <see cref="Cron"/> and <see cref="Every"/> is set.
/// </summary>
/// <param name="Type">The template's task type.</param>
/// <param name="ParametersJson">The template's canonical parameters, with secret ones sealed.</param>
/// <param name="Priority">The template's priority.</param>
/// <param name="Cron">A cron expression of 5 fields, or 6 with seconds first.</param>
/// <param name="Every">A fixed interval, counted from <see cref="StartAt"/> (or the schedule's creation).</param>
/// <param name="TimeZone">The IANA time zone the cron is read in.</param>
/// <param name="StartAt">No due time before this.</param>
/// <param name="EndAt">No due time after this.</param>
/// <param name="Jitter">Each task is made up to this long after its due time (a fixed offset per due time), to spread load.</param>
/// <param name="MaxCatchup">Most tasks <see cref="MissedPolicy.RunAll"/> makes for missed due times.</param>
/// <param name="Callback">Where each task it makes announces its end (a signed webhook); null for nowhere.</param>
[GenerateSerializer, Immutable, Alias("tasker.ScheduleDefinition")]
public sealed record ScheduleDefinition(
    [property: Id(0)] string Type,
    [property: Id(1)] string ParametersJson,
    [property: Id(2)] TaskPriority Priority,
    [property: Id(3)] string? Cron,
    [property: Id(4)] TimeSpan? Every,
    [property: Id(5)] string TimeZone,
    [property: Id(6)] DateTimeOffset? StartAt,
    [property: Id(7)] DateTimeOffset? EndAt,
    [property: Id(8)] TimeSpan Jitter,
    [property: Id(9)] OverlapPolicy Overlap,
    [property: Id(10)] MissedPolicy Missed,
    [property: Id(11)] int MaxCatchup,
    [property: Id(12)] RetryPolicy? Retry = null,
    [property: Id(13)] TimeSpan? Timeout = null,
    [property: Id(14)] TaskCallback? Callback = null);

/// <summary>What became of one due time (or one manual trigger).</summary>
[GenerateSerializer, Alias("tasker.ScheduleRunOutcome")]
public enum ScheduleRunOutcome
{
    /// <summary>A task was made (or met, by its idempotency key).</summary>
    Created = 0,
    /// <summary>No task: the previous one had not ended (overlap skip, or buffer_one with one waiting already).</summary>
    Skipped = 1,
    /// <summary>Waiting for the previous task to end (overlap buffer_one).</summary>
    Buffered = 2,
    /// <summary>Due times that passed unseen and made no task of their own (the missed policy).</summary>
    Missed = 3,
    /// <summary>The task was not allowed when it was due (its type suspended, shell tasks switched off, the owner gone).</summary>
    Refused = 4,
}

/// <summary>One line of a schedule's run list, newest first.</summary>
/// <param name="DueAt">The due time in UTC (for a trigger: when it was asked).</param>
/// <param name="At">When this was decided.</param>
/// <param name="TaskId">The task made, for <see cref="ScheduleRunOutcome.Created"/>.</param>
/// <param name="Detail">Why, in a few words (the refusal, the previous task, how many due times were missed).</param>
/// <param name="Triggered">True for a task asked for by hand (POST trigger), outside the due times.</param>
[GenerateSerializer, Immutable, Alias("tasker.ScheduleRun")]
public sealed record ScheduleRun(
    [property: Id(0)] DateTimeOffset DueAt,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] ScheduleRunOutcome Outcome,
    [property: Id(3)] string? TaskId,
    [property: Id(4)] string? Detail,
    [property: Id(5)] bool Triggered = false);

/// <summary>A schedule as it is now.</summary>
/// <param name="Id">The schedule's id, unique within its client.</param>
/// <param name="Client">The client it belongs to; its tasks are this client's.</param>
/// <param name="LastDue">The latest due time dealt with (a task made, skipped or missed).</param>
/// <param name="NextDue">The next due time, or null when there is none (ended, or paused).</param>
/// <param name="BufferedDue">A due time waiting for the previous task to end (overlap buffer_one).</param>
/// <param name="Version">Grows with every change.</param>
[GenerateSerializer, Immutable, Alias("tasker.ScheduleSnapshot")]
public sealed record ScheduleSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string Client,
    [property: Id(2)] ScheduleDefinition Definition,
    [property: Id(3)] bool Paused,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt,
    [property: Id(6)] DateTimeOffset? LastDue,
    [property: Id(7)] DateTimeOffset? NextDue,
    [property: Id(8)] string? LastTaskId,
    [property: Id(9)] DateTimeOffset? BufferedDue,
    [property: Id(10)] long Version);

/// <summary>What <see cref="IScheduleGrain.PutAsync"/> did.</summary>
[GenerateSerializer, Alias("tasker.SchedulePutStatus")]
public enum SchedulePutStatus
{
    Created = 0,
    Replaced = 1,
    /// <summary>A new schedule was refused: its client has as many as its tier allows.</summary>
    TooMany = 2,
}

/// <summary>The outcome of <see cref="IScheduleGrain.PutAsync"/>, with the schedule as it now is (null when refused).</summary>
[GenerateSerializer, Immutable, Alias("tasker.SchedulePutResult")]
public sealed record SchedulePutResult(
    [property: Id(0)] SchedulePutStatus Status,
    [property: Id(1)] ScheduleSnapshot? Schedule);

/// <summary>Schedule grain keys: the client and the schedule id, which neither contains.</summary>
public static partial class ScheduleKeys
{
    public const string IdRule = "1–64 characters: letters, digits, '_', '.' or '-', starting with a letter or digit";

    /// <summary>The key of schedule <paramref name="id"/> of <paramref name="client"/>.</summary>
    public static string Of(string client, string id) => $"{client}/{id}";

    /// <summary>The client and id of a key made by <see cref="Of"/>.</summary>
    public static (string Client, string Id) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (key[..slash], key[(slash + 1)..]);
    }

    public static bool IsValidId(string? id) => id is not null && Shape().IsMatch(id);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Shape();
}

/// <summary>The wire names of the policies and outcomes, as in URLs and JSON.</summary>
public static class ScheduleWire
{
    public static IReadOnlyList<string> OverlapNames { get; } = ["skip", "buffer_one", "allow", "cancel_running"];

    public static IReadOnlyList<string> MissedNames { get; } = ["run_once", "skip", "run_all"];

    public static string ToWire(this OverlapPolicy policy) => OverlapNames[(int)policy];

    public static string ToWire(this MissedPolicy policy) => MissedNames[(int)policy];

    public static string ToWire(this ScheduleRunOutcome outcome) => WireName.Of(outcome);

    public static bool TryParseOverlap(string text, out OverlapPolicy policy)
    {
        var index = OverlapNames.ToList().IndexOf(text);
        policy = index < 0 ? OverlapPolicy.Skip : (OverlapPolicy)index;
        return index >= 0;
    }

    public static bool TryParseMissed(string text, out MissedPolicy policy)
    {
        var index = MissedNames.ToList().IndexOf(text);
        policy = index < 0 ? MissedPolicy.RunOnce : (MissedPolicy)index;
        return index >= 0;
    }
}
