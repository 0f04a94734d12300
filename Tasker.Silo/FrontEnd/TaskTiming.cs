using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using Tasker.Tasks;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// Reads when a task should run and how often it may try (docs/adr/034): <c>run_at</c>, an RFC 3339 time with its offset,
/// or <c>delay</c>, an ISO 8601 duration (<c>PT5M</c>) or a number of seconds (optional, and exclusive); <c>retry</c>, the
/// policy for failed attempts, and <c>timeout</c>, the longest an attempt may run (each type has defaults).
/// </summary>
public static partial class TaskTiming
{
    /// <summary>The request's fields that say when the task runs and how it is tried.</summary>
    public static readonly string[] Fields = ["run_at", "delay", "retry", "timeout"];

    private static readonly string[] _retryFields = ["max_attempts", "backoff", "initial_delay", "multiplier", "max_delay", "jitter"];

    /// <summary>The longest pause between attempts and the longest timeout: a year.</summary>
    private static readonly TimeSpan _maxPause = TimeSpan.FromDays(365);

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

    /// <summary>
    /// The retry policy and timeout of a task of <paramref name="type"/>: the request's, or the type's defaults
    /// (<c>Tasker:Retry:Types</c>); adds an error under <c>retry.*</c> or <c>timeout</c> for a bad one.
    /// </summary>
    public static (RetryPolicy? Retry, TimeSpan? Timeout) ReadAttempts(HttpContext context, JsonElement root, string? type, IDictionary<string, string[]> errors)
    {
        var defaults = type is null ? TypeAttemptOptions.Once
            : context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<AttemptOptions>>().Value.For(type);
        var retry = root.TryGetProperty("retry", out var given) ? ReadRetry(given, errors) : defaults.Policy;
        var timeout = defaults.Timeout;
        if (root.TryGetProperty("timeout", out var timeoutValue) && timeoutValue.ValueKind != JsonValueKind.Null)
        {
            timeout = ReadDuration(timeoutValue, "timeout", errors, TimeSpan.FromMilliseconds(1));
        }

        return (retry, timeout);
    }

    private static RetryPolicy? ReadRetry(JsonElement value, IDictionary<string, string[]> errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null; // Asked for one attempt, whatever the type's default.
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            errors["retry"] = [$"retry must be an object such as {{\"max_attempts\":5,\"backoff\":\"exponential\",\"initial_delay\":\"PT2S\"}}, not {JsonBody.Describe(value.ValueKind)}"];
            return null;
        }

        foreach (var unknown in value.EnumerateObject().Where(p => !_retryFields.Contains(p.Name)))
        {
            errors[$"retry.{unknown.Name}"] = [$"{unknown.Name} is not a field of retry (expected: {string.Join(", ", _retryFields)})"];
        }

        var attempts = 3;
        if (value.TryGetProperty("max_attempts", out var attemptsValue)
            && !(attemptsValue.ValueKind == JsonValueKind.Number && attemptsValue.TryGetInt32(out attempts) && attempts is >= 1 and <= 100))
        {
            errors["retry.max_attempts"] = ["retry.max_attempts must be a whole number from 1 to 100"];
        }

        var exponential = true;
        if (value.TryGetProperty("backoff", out var backoff))
        {
            exponential = backoff.ValueKind == JsonValueKind.String && backoff.GetString() == "exponential";
            if (!exponential && !(backoff.ValueKind == JsonValueKind.String && backoff.GetString() == "fixed"))
            {
                errors["retry.backoff"] = ["retry.backoff must be exponential or fixed"];
            }
        }

        var initial = value.TryGetProperty("initial_delay", out var initialValue)
            ? ReadDuration(initialValue, "retry.initial_delay", errors, TimeSpan.FromMilliseconds(1)) ?? TimeSpan.Zero
            : TimeSpan.FromSeconds(1);
        var multiplier = 2.0;
        if (value.TryGetProperty("multiplier", out var multiplierValue)
            && !(multiplierValue.ValueKind == JsonValueKind.Number && multiplierValue.TryGetDouble(out multiplier) && multiplier is >= 1 and <= 1000))
        {
            errors["retry.multiplier"] = ["retry.multiplier must be a number from 1 to 1000"];
        }

        var most = value.TryGetProperty("max_delay", out var mostValue)
            ? ReadDuration(mostValue, "retry.max_delay", errors, TimeSpan.FromMilliseconds(1)) ?? TimeSpan.Zero
            : (initial > TimeSpan.FromMinutes(5) ? initial : TimeSpan.FromMinutes(5));
        if (!errors.ContainsKey("retry.max_delay") && !errors.ContainsKey("retry.initial_delay") && most < initial)
        {
            errors["retry.max_delay"] = ["retry.max_delay must not be shorter than retry.initial_delay"];
        }

        var jitter = 0.2;
        if (value.TryGetProperty("jitter", out var jitterValue)
            && !(jitterValue.ValueKind == JsonValueKind.Number && jitterValue.TryGetDouble(out jitter) && jitter is >= 0 and <= 1))
        {
            errors["retry.jitter"] = ["retry.jitter must be a number from 0 to 1"];
        }

        return attempts <= 1 ? null : new RetryPolicy(attempts, exponential, initial, multiplier, most, jitter);
    }

    /// <summary>A positive duration of at most a year: an ISO 8601 string or a number of seconds; null after adding the error.</summary>
    private static TimeSpan? ReadDuration(JsonElement value, string field, IDictionary<string, string[]> errors, TimeSpan least)
    {
        TimeSpan? duration = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetDouble(out var seconds) && seconds <= _maxPause.TotalSeconds => TimeSpan.FromSeconds(Math.Max(seconds, -1)),
            JsonValueKind.String when TryParseDuration(value.GetString()!, out var parsed) => parsed,
            _ => null,
        };
        if (duration is not { } span || span < least || span > _maxPause)
        {
            errors[field] = [$"{field} must be a positive duration of at most 365 days: an ISO 8601 duration such as PT30S, or a number of seconds"];
            return null;
        }

        return span;
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
