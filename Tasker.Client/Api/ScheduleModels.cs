using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tasker.Api;

/// <summary>The task a schedule makes at each due time.</summary>
/// <param name="Type">The task type, e.g. <c>sum2</c>.</param>
/// <param name="Params">The type's parameters (secret ones shown as <c>***</c>).</param>
/// <param name="Priority"><c>high</c>, <c>normal</c> (default) or <c>low</c>.</param>
public sealed record ScheduleTaskTemplate(string Type, JsonElement Params, string? Priority = null)
{
    /// <summary>How each task it makes is retried, as a submission's <c>retry</c>; shown when it has one.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public RetryView? Retry { get; init; }

    /// <summary>How long each attempt of its tasks may run, an ISO 8601 duration (<c>PT30S</c>); shown when set.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Timeout { get; init; }

    /// <summary>Where each task it makes announces its end (a signed webhook), as a submission's <c>callback</c>; shown when set.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public CallbackView? Callback { get; init; }
}

/// <summary>A retry policy as a submission's <c>retry</c> writes it (durations in ISO 8601, e.g. <c>PT2S</c>).</summary>
public sealed record RetryView(
    [property: System.Text.Json.Serialization.JsonPropertyName("max_attempts")] int MaxAttempts,
    string Backoff,
    [property: System.Text.Json.Serialization.JsonPropertyName("initial_delay")] string InitialDelay,
    double Multiplier,
    [property: System.Text.Json.Serialization.JsonPropertyName("max_delay")] string MaxDelay,
    double Jitter);

/// <summary>The body of <c>PUT /schedules/{id}</c>: the task, and either <c>cron</c> or <c>every</c>.</summary>
/// <param name="Task">The task made at each due time.</param>
/// <param name="Client">The client the schedule and its tasks belong to (a signed-in user's own name when omitted).</param>
/// <param name="Cron">5 fields (minute hour day month weekday), or 6 with seconds first.</param>
/// <param name="Every">An interval: ISO 8601 (<c>PT15M</c>) or seconds.</param>
/// <param name="Timezone">The IANA time zone the cron is read in; UTC by default.</param>
/// <param name="StartAt">No due time before this (RFC 3339 with an offset); an <c>every</c> counts from it.</param>
/// <param name="EndAt">No due time after this.</param>
/// <param name="Jitter">Each task made up to this long after its due time (shorter than the interval).</param>
/// <param name="Overlap"><c>skip</c> (default), <c>buffer_one</c>, <c>allow</c> or <c>cancel_running</c>.</param>
/// <param name="Missed"><c>run_once</c> (default), <c>skip</c> or <c>run_all</c>.</param>
/// <param name="MaxCatchup">Most tasks <c>run_all</c> makes for missed due times; 10 by default.</param>
public sealed record PutScheduleRequest(
    ScheduleTaskTemplate Task,
    string? Client = null,
    string? Cron = null,
    string? Every = null,
    string? Timezone = null,
    [property: JsonPropertyName("start_at")] DateTimeOffset? StartAt = null,
    [property: JsonPropertyName("end_at")] DateTimeOffset? EndAt = null,
    string? Jitter = null,
    string? Overlap = null,
    string? Missed = null,
    [property: JsonPropertyName("max_catchup")] int? MaxCatchup = null);

/// <summary>Where to go next with a schedule.</summary>
public sealed record ScheduleLinks(string Self, string Next, string Runs, string Pause, string Resume, string Trigger);

/// <summary>A schedule, as the API shows it. Durations are ISO 8601; times of the schedule's own are in UTC.</summary>
/// <param name="LastDue">The latest due time dealt with (a task made, skipped or missed).</param>
/// <param name="NextDue">The next due time; null when paused or when none is left.</param>
/// <param name="BufferedDue">A due time waiting for the previous task to end (overlap buffer_one).</param>
public sealed record ScheduleView(
    string Id,
    string Client,
    ScheduleTaskTemplate Task,
    string? Cron,
    string? Every,
    string Timezone,
    DateTimeOffset? StartAt,
    DateTimeOffset? EndAt,
    string? Jitter,
    string Overlap,
    string Missed,
    int MaxCatchup,
    bool Paused,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastDue,
    DateTimeOffset? NextDue,
    string? LastTaskId,
    DateTimeOffset? BufferedDue,
    long Version,
    ScheduleLinks Links);

/// <summary>The answer of <c>GET /schedules</c>.</summary>
public sealed record ScheduleList(IReadOnlyList<ScheduleView> Items);

/// <summary>The answer of <c>GET /schedules/{id}/next</c>: the next due times, in the schedule's time zone (daylight saving applied).</summary>
public sealed record ScheduleNextView(string Id, string Timezone, IReadOnlyList<DateTimeOffset> Due);

/// <summary>What became of one due time, or of a trigger.</summary>
/// <param name="Outcome"><c>created</c>, <c>skipped</c> (overlap), <c>buffered</c>, <c>missed</c> or <c>refused</c>.</param>
/// <param name="Task">The task's address, for <c>created</c>.</param>
public sealed record ScheduleRunView(DateTimeOffset DueAt, DateTimeOffset At, string Outcome, string? TaskId, string? Task, string? Detail, bool Triggered);

/// <summary>The answer of <c>GET /schedules/{id}/runs</c>, newest first.</summary>
public sealed record ScheduleRunList(string Id, IReadOnlyList<ScheduleRunView> Items);
