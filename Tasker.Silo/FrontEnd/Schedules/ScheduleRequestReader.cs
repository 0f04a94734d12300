using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using Microsoft.Extensions.Options;
using Tasker.Handlers;
using Tasker.Schedules;
using Tasker.Secrets;
using Tasker.Silo.Auth;
using Tasker.Users;

namespace Tasker.Silo.FrontEnd.Schedules;

/// <summary>A checked <c>PUT /schedules/{id}</c>: its definition (secrets sealed), its client, and how many schedules the client may hold.</summary>
public sealed record ScheduleRequest(string Client, ScheduleDefinition Definition, int MaxSchedules);

/// <summary>
/// Reads and checks the body of <c>PUT /schedules/{id}</c> by hand, as <see cref="TaskRequestReader"/> does for tasks, so
/// that every way it can be wrong is a 400 naming the field; then the template meets the submission seam's checks
/// (<see cref="TaskSubmitter.CheckAsync"/>), as a task submitted now would.
/// </summary>
public sealed partial class ScheduleRequestReader(
    TaskRequestReader tasks,
    TaskSubmitter submitter,
    TaskHandlerRegistry handlers,
    SecretParameters secrets,
    IOptions<TaskerHttpOptions> frontEnd,
    IOptions<ScheduleOptions> options,
    IOptions<TiersOptions> tiers,
    TimeProvider clock)
{
    private const int MaxCatchupLimit = 1_000;
    private static readonly string[] _fields = ["task", "client", "cron", "every", "timezone", "start_at", "end_at", "jitter", "overlap", "missed", "max_catchup"];
    private static readonly string[] _taskFields = ["type", "params", "priority", "retry", "timeout", "callback"];

    /// <summary>The checked request, or the problem to answer instead.</summary>
    public async Task<Outcome<ScheduleRequest, Status.Submission>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(request, frontEnd.Value.MaxRequestBodyBytes, "task and cron or every", cancellationToken);
        if (body.Failed)
        {
            return body.Problem.As<Status.Submission>();
        }

        using (var document = body.Value)
        {
            var (checkedRequest, errors) = Check(request, document.RootElement);
            if (checkedRequest is null)
            {
                return Problems.Invalid(errors, "The schedule is invalid").As<Status.Submission>();
            }

            var template = new TaskSubmission(checkedRequest.Definition.Type, checkedRequest.Definition.ParametersJson, checkedRequest.Client, checkedRequest.Definition.Priority);
            if (await submitter.CheckAsync(request.HttpContext, template) is { } refusal)
            {
                return refusal;
            }

            // Secret parameters (a chat api_key) are kept sealed in the schedule, as in a task (docs/adr/018).
            var sealedJson = secrets.Seal(template.ParametersJson, handlers.Get(template.Type).SecretParameters.ToList());
            return checkedRequest with { Definition = checkedRequest.Definition with { ParametersJson = sealedJson } };
        }
    }

    private (ScheduleRequest?, Dictionary<string, string[]>) Check(HttpRequest request, JsonElement root)
    {
        var errors = new Dictionary<string, string[]>();
        JsonBody.RejectUnknownFields(root, _fields, errors, "a schedule");
        var client = JsonBody.ReadString(root, "client", errors, required: Submitters.ClientRequired(request));
        var submission = CheckTemplate(request, root, client, errors);

        var cron = JsonBody.ReadString(root, "cron", errors, required: false);
        var every = ReadDuration(root, "every", errors);
        var timeZone = JsonBody.ReadString(root, "timezone", errors, required: false);
        var startAt = ReadTime(root, "start_at", errors);
        var endAt = ReadTime(root, "end_at", errors);
        var jitter = ReadDuration(root, "jitter", errors) ?? TimeSpan.Zero;
        var overlap = OverlapPolicy.Skip;
        if (JsonBody.ReadString(root, "overlap", errors, required: false) is { } overlapText && !ScheduleWire.TryParseOverlap(overlapText, out overlap))
        {
            errors["overlap"] = [$"overlap must be one of {string.Join(", ", ScheduleWire.OverlapNames)}, not '{overlapText}'"];
        }

        var missed = MissedPolicy.RunOnce;
        if (JsonBody.ReadString(root, "missed", errors, required: false) is { } missedText && !ScheduleWire.TryParseMissed(missedText, out missed))
        {
            errors["missed"] = [$"missed must be one of {string.Join(", ", ScheduleWire.MissedNames)}, not '{missedText}'"];
        }

        var maxCatchup = options.Value.DefaultMaxCatchup;
        if (root.TryGetProperty("max_catchup", out var catchup) && catchup.ValueKind != JsonValueKind.Null
            && !(catchup.ValueKind == JsonValueKind.Number && catchup.TryGetInt32(out maxCatchup) && maxCatchup is >= 1 and <= MaxCatchupLimit))
        {
            errors["max_catchup"] = [$"max_catchup must be a whole number from 1 to {MaxCatchupLimit}"];
        }

        if (errors.ContainsKey("every") || errors.ContainsKey("cron") || errors.ContainsKey("timezone") || errors.ContainsKey("start_at") || errors.ContainsKey("end_at"))
        {
            return (null, errors);
        }

        var now = clock.GetUtcNow();
        var whenErrors = new Dictionary<string, string>();
        var times = ScheduleTimes.Check(cron, every, timeZone, startAt, endAt, now, whenErrors);
        foreach (var (field, message) in whenErrors)
        {
            errors[field] = [message];
        }

        if (times is not null && times.ShortestGap(startAt is { } start && start > now ? start : now) is { } gap)
        {
            var (minimum, tier) = MinInterval(request);
            if (gap < minimum)
            {
                errors[every is null ? "cron" : "every"] =
                    [$"{(every is null ? "cron" : "every")} fires {Duration(gap)} apart at the closest, under the {Duration(minimum)} that {tier} allows"];
            }

            if (jitter >= gap)
            {
                errors["jitter"] = [$"jitter ({Duration(jitter)}) must be shorter than the interval ({Duration(gap)})"];
            }
        }

        if (errors.Count > 0 || submission is null)
        {
            return (null, errors);
        }

        var definition = new ScheduleDefinition(
            submission.Type, submission.ParametersJson, submission.Priority, cron?.Trim(), every, string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone,
            startAt, endAt, jitter, overlap, missed, maxCatchup, submission.Retry, submission.Timeout, submission.Callback);
        return (new ScheduleRequest(submission.Client, definition, MaxSchedules(request)), errors);
    }

    /// <summary>The <c>task</c> object, checked as a task request is (its errors named <c>task.type</c>, <c>task.params.*</c>, ...).</summary>
    private TaskSubmission? CheckTemplate(HttpRequest request, JsonElement root, string? client, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty("task", out var task) || task.ValueKind == JsonValueKind.Null)
        {
            errors["task"] = ["task is required: {\"type\": ..., \"params\": {...}}"];
            return null;
        }

        if (task.ValueKind != JsonValueKind.Object)
        {
            errors["task"] = [$"task must be an object with type and params, not {JsonBody.Describe(task.ValueKind)}"];
            return null;
        }

        var taskErrors = new Dictionary<string, string[]>();
        JsonBody.RejectUnknownFields(task, _taskFields, taskErrors, "a schedule's task");
        var type = JsonBody.ReadString(task, "type", taskErrors, required: true);
        var priority = TaskPriority.Normal;
        if (JsonBody.ReadString(task, "priority", taskErrors, required: false) is { } priorityText && !TaskPriorities.TryParseWire(priorityText, out priority))
        {
            taskErrors["priority"] = ["priority must be one of high, normal, low"];
        }

        var (retry, timeout) = TaskTiming.ReadAttempts(request.HttpContext, task, type, taskErrors);
        var callback = CallbackReader.Read(request.HttpContext, task, taskErrors);
        var submission = tasks.Check(request, type, task.TryGetProperty("params", out var p) ? p : null, client, priority, taskErrors)
            is { } checkedTask ? checkedTask with { Retry = retry, Timeout = timeout, Callback = callback } : null;
        foreach (var (field, messages) in taskErrors)
        {
            errors[field == "client" ? field : $"task.{field}"] = [.. messages.Select(m => field == "client" ? m : $"task.{m}")];
        }

        return submission;
    }

    private (TimeSpan Minimum, string Tier) MinInterval(HttpRequest request) =>
        AuthenticatedUser.TierOf(request.HttpContext.User) is { } name && tiers.Value.Tiers.TryGetValue(name, out var tier)
            ? (tier.MinInterval, $"tier {name}")
            : (options.Value.AnonymousMinInterval, "Tasker:Schedules:AnonymousMinInterval");

    private int MaxSchedules(HttpRequest request) =>
        AuthenticatedUser.TierOf(request.HttpContext.User) is { } name && tiers.Value.Tiers.TryGetValue(name, out var tier)
            ? tier.MaxSchedules
            : options.Value.MaxPerAnonymousClient;

    /// <summary>A duration: ISO 8601 (<c>PT15M</c>, <c>P1D</c>) or a number of seconds; null when absent.</summary>
    public static TimeSpan? ReadDuration(JsonElement root, string name, IDictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        TimeSpan? duration = null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && seconds is >= 0 and <= 366 * 86_400)
        {
            duration = TimeSpan.FromSeconds(seconds);
        }
        else if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 1 } text && text[0] is 'P' or 'p')
        {
            try
            {
                duration = XmlConvert.ToTimeSpan(text.ToUpperInvariant());
            }
            catch (Exception exception) when (exception is FormatException or OverflowException)
            {
                duration = null;
            }
        }

        if (duration is null || duration < TimeSpan.Zero)
        {
            errors[name] = [$"{name} must be an ISO 8601 duration such as PT15M, or a number of seconds (0 or more)"];
            return null;
        }

        return duration;
    }

    /// <summary>An RFC 3339 time with its offset (<c>2026-03-29T02:00:00+02:00</c> or <c>...Z</c>); null when absent.</summary>
    private static DateTimeOffset? ReadTime(JsonElement root, string name, IDictionary<string, string[]> errors)
    {
        if (JsonBody.ReadString(root, name, errors, required: false) is not { } text)
        {
            return null;
        }

        if (!WithOffset().IsMatch(text) || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            errors[name] = [$"{name} must be an RFC 3339 time with an offset, such as 2026-03-29T02:00:00+02:00 or 2026-03-29T00:00:00Z"];
            return null;
        }

        return time;
    }

    /// <summary>A duration for people: ISO 8601.</summary>
    public static string Duration(TimeSpan duration) => XmlConvert.ToString(duration);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:\d{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex WithOffset();
}
