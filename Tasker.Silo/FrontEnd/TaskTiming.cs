using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// Reads when a task should run (docs/adr/034): <c>run_at</c>, an RFC 3339 time with its offset, or <c>delay</c>, an
/// ISO 8601 duration (<c>PT5M</c>) or a number of seconds. Both fields are optional, and exclusive.
/// </summary>
public static partial class TaskTiming
{
    /// <summary>The request's fields that say when the task runs.</summary>
    public static readonly string[] Fields = ["run_at", "delay"];

    /// <summary>How far ahead any task may be asked for, whatever the tier: ten years.</summary>
    public static readonly TimeSpan MaxAnyDelay = TimeSpan.FromDays(3650);

    /// <summary>How far in the past a <c>run_at</c> may be (clocks differ; such a task starts at once).</summary>
    public static readonly TimeSpan PastTolerance = TimeSpan.FromMinutes(5);

    /// <summary>
    /// When the task asked in <paramref name="root"/> is due: null to start at once (neither field, or a time already
    /// come); adds an error under the field's name for a bad one.
    /// </summary>
    public static DateTimeOffset? Read(HttpContext context, JsonElement root, IDictionary<string, string[]> errors)
    {
        var hasRunAt = root.TryGetProperty("run_at", out var runAtValue) && runAtValue.ValueKind != JsonValueKind.Null;
        var hasDelay = root.TryGetProperty("delay", out var delayValue) && delayValue.ValueKind != JsonValueKind.Null;
        if (hasRunAt && hasDelay)
        {
            errors["delay"] = ["give run_at or delay, not both"];
            return null;
        }

        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        DateTimeOffset? due = hasRunAt ? ReadRunAt(runAtValue, now, errors) : hasDelay ? ReadDelay(delayValue, now, errors) : null;
        if (due - now > MaxAnyDelay)
        {
            errors[hasRunAt ? "run_at" : "delay"] = [$"a task may wait at most {MaxAnyDelay.TotalDays:0} days"];
            return null;
        }

        if (due is { } at && Auth.Submitters.DelayRefusal(context, at - now) is { } refusal)
        {
            errors[hasRunAt ? "run_at" : "delay"] = [refusal];
            return null;
        }

        return due > now ? due : null;
    }

    private static DateTimeOffset? ReadRunAt(JsonElement value, DateTimeOffset now, IDictionary<string, string[]> errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors["run_at"] = [$"run_at must be a string with a time and its offset, e.g. 2026-12-24T18:00:00+01:00, not {JsonBody.Describe(value.ValueKind)}"];
            return null;
        }

        var text = value.GetString()!;
        if (!Rfc3339().IsMatch(text))
        {
            errors["run_at"] = [$"run_at must be an RFC 3339 time with its offset (Z or ±hh:mm), e.g. 2026-12-24T18:00:00+01:00; '{Shorten(text)}' is not"];
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            errors["run_at"] = [$"run_at '{Shorten(text)}' is not a valid time"];
            return null;
        }

        if (at < now - PastTolerance)
        {
            errors["run_at"] = [$"run_at {text} is more than {PastTolerance.TotalMinutes:0} minutes in the past"];
            return null;
        }

        return at;
    }

    private static DateTimeOffset? ReadDelay(JsonElement value, DateTimeOffset now, IDictionary<string, string[]> errors)
    {
        TimeSpan delay;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetDouble(out var seconds) && seconds >= 0 && seconds <= MaxAnyDelay.TotalSeconds * 2:
                delay = TimeSpan.FromSeconds(seconds);
                break;
            case JsonValueKind.Number:
                errors["delay"] = [$"delay in seconds must be 0 or more, and at most {MaxAnyDelay.TotalSeconds:0}"];
                return null;
            case JsonValueKind.String when TryParseDuration(value.GetString()!, out delay):
                if (delay < TimeSpan.Zero || delay > MaxAnyDelay * 2)
                {
                    errors["delay"] = [delay < TimeSpan.Zero ? "delay must not be negative" : $"a task may wait at most {MaxAnyDelay.TotalDays:0} days"];
                    return null;
                }

                break;
            case JsonValueKind.String:
                errors["delay"] = [$"delay must be an ISO 8601 duration such as PT5M or P1D, or a number of seconds; '{Shorten(value.GetString()!)}' is not"];
                return null;
            default:
                errors["delay"] = [$"delay must be an ISO 8601 duration such as PT5M, or a number of seconds, not {JsonBody.Describe(value.ValueKind)}"];
                return null;
        }

        return now + delay;
    }

    /// <summary>An ISO 8601 duration (PT5M, P1DT2H, PT0.5S); false for anything else.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length is 0 or > 64 || !(text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal)))
        {
            return false;
        }

        try
        {
            duration = XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (Exception exception) when (exception is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();
}
