using Cronos;

namespace Tasker.Schedules;

/// <summary>
/// The due times of one schedule: a cron expression read in its time zone by Cronos (daylight saving as Cronos
/// defines it: a time skipped by the spring change fires once at the change, a time repeated in autumn fires once,
/// and an interval or seconds expression keeps firing through the repeated hour), or a fixed interval from an anchor;
/// both within the optional start and end.
/// </summary>
public sealed class ScheduleTimes
{
    private readonly CronExpression? _cron;
    private readonly TimeZoneInfo _zone;
    private readonly TimeSpan _every;
    private readonly DateTimeOffset _anchor;
    private readonly DateTimeOffset? _start;
    private readonly DateTimeOffset? _end;

    private ScheduleTimes(CronExpression? cron, TimeZoneInfo zone, TimeSpan every, DateTimeOffset anchor, DateTimeOffset? start, DateTimeOffset? end)
    {
        _cron = cron;
        _zone = zone;
        _every = every;
        _anchor = anchor;
        _start = start;
        _end = end;
    }

    /// <summary>The due times of <paramref name="definition"/>; an interval counts from <paramref name="anchor"/>.</summary>
    /// <exception cref="ArgumentException">The definition was not checked by <see cref="Check"/>.</exception>
    public static ScheduleTimes Of(ScheduleDefinition definition, DateTimeOffset anchor)
    {
        var errors = new Dictionary<string, string>();
        var times = Check(definition.Cron, definition.Every, definition.TimeZone, definition.StartAt, definition.EndAt, anchor, errors);
        return times ?? throw new ArgumentException(string.Join("; ", errors.Values), nameof(definition));
    }

    /// <summary>
    /// Parses and checks the when of a schedule; adds an error under <c>cron</c>, <c>every</c>, <c>timezone</c> or
    /// <c>end_at</c> for each problem and returns null then.
    /// </summary>
    public static ScheduleTimes? Check(
        string? cron, TimeSpan? every, string? timeZone, DateTimeOffset? startAt, DateTimeOffset? endAt, DateTimeOffset anchor, IDictionary<string, string> errors)
    {
        TimeZoneInfo? zone = null;
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            zone = TimeZoneInfo.Utc;
        }
        else
        {
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
            }
            catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                errors["timezone"] = $"timezone '{timeZone}' is not a time zone known here (an IANA name such as Europe/Berlin, or UTC)";
            }
        }

        CronExpression? expression = null;
        if (cron is not null && every is not null)
        {
            errors["cron"] = "give either cron or every, not both";
        }
        else if (cron is null && every is null)
        {
            errors["cron"] = "give either cron (e.g. \"0 2 * * *\") or every (e.g. \"PT15M\")";
        }
        else if (cron is not null)
        {
            expression = ParseCron(cron, errors);
        }
        else if (every <= TimeSpan.Zero)
        {
            errors["every"] = "every must be a positive duration";
        }

        if (startAt is { } start && endAt is { } end && end <= start)
        {
            errors["end_at"] = "end_at must be after start_at";
        }

        if (errors.Count > 0 || zone is null)
        {
            return null;
        }

        var times = new ScheduleTimes(expression, zone, every ?? TimeSpan.Zero, startAt ?? anchor, startAt, endAt);
        if (expression is not null && times.NextAfter(anchor) is null)
        {
            errors[endAt is null ? "cron" : "end_at"] = endAt is null
                ? $"cron '{cron}' never fires (no such date)"
                : $"cron '{cron}' does not fire between now and end_at";
            return null;
        }

        return times;
    }

    private static CronExpression? ParseCron(string cron, IDictionary<string, string> errors)
    {
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields switch
        {
            5 => CronFormat.Standard,
            6 => CronFormat.IncludeSeconds,
            1 when cron.TrimStart().StartsWith('@') => CronFormat.Standard, // @daily, @hourly...
            _ => (CronFormat?)null,
        };
        if (format is null)
        {
            errors["cron"] = $"cron must have 5 fields (minute hour day month weekday), or 6 with seconds first; '{cron}' has {fields}";
            return null;
        }

        try
        {
            return CronExpression.Parse(cron, format.Value);
        }
        catch (CronFormatException exception)
        {
            errors["cron"] = $"cron '{cron}' cannot be parsed: {exception.Message}";
            return null;
        }
    }

    /// <summary>The first due time strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        if (_start is { } start && after < start)
        {
            after = start - TimeSpan.FromTicks(1); // The start itself may be due.
        }

        DateTimeOffset? next;
        if (_cron is not null)
        {
            next = _cron.GetNextOccurrence(after, _zone, inclusive: false);
        }
        else
        {
            var k = after < _anchor ? 0 : ((after - _anchor).Ticks / _every.Ticks) + 1;
            var offset = k * _every.Ticks;
            next = offset > (DateTimeOffset.MaxValue - _anchor).Ticks ? null : _anchor + TimeSpan.FromTicks(offset); // Past the calendar's end.
        }

        return next is { } due && (_end is null || due <= _end) ? due : null;
    }

    /// <summary>The next <paramref name="count"/> due times after <paramref name="after"/>, ascending.</summary>
    public IReadOnlyList<DateTimeOffset> Next(DateTimeOffset after, int count)
    {
        var found = new List<DateTimeOffset>(count);
        while (found.Count < count && NextAfter(after) is { } due)
        {
            found.Add(due);
            after = due;
        }

        return found;
    }

    /// <summary>
    /// The latest <paramref name="take"/> due times after <paramref name="after"/> and at or before <paramref name="through"/>,
    /// newest first, and how many there are in all, counted up to <paramref name="maxCounted"/>.
    /// </summary>
    /// <remarks>
    /// Walked forward, as <see cref="NextAfter"/> walks: Cronos' backward walk names a time skipped in spring differently
    /// (just before the change rather than at it), and a due time must be the same whichever way it is found.
    /// </remarks>
    public (IReadOnlyList<DateTimeOffset> NewestFirst, long Count) Latest(DateTimeOffset after, DateTimeOffset through, int take, long maxCounted)
    {
        var (latest, count) = Walk(after, through, take, maxCounted);
        if (count < maxCounted)
        {
            return (latest, count);
        }

        // Too many to walk them all (a seconds schedule after a long stop): the latest are found near the end.
        for (var window = TimeSpan.FromMinutes(10); ; window *= 2)
        {
            var from = through - window > after ? through - window : after;
            var (near, _) = Walk(from, through, take, long.MaxValue);
            if (near.Count >= take || from == after)
            {
                return (near, maxCounted);
            }
        }
    }

    private (IReadOnlyList<DateTimeOffset>, long) Walk(DateTimeOffset after, DateTimeOffset through, int take, long maxCounted)
    {
        var kept = new Queue<DateTimeOffset>(take + 1);
        long count = 0;
        foreach (var due in Forward(after, through))
        {
            kept.Enqueue(due);
            if (kept.Count > take)
            {
                kept.Dequeue();
            }

            if (++count >= maxCounted)
            {
                break;
            }
        }

        return ([.. kept.Reverse()], count);
    }

    /// <summary>The due times after <paramref name="after"/> and at or before <paramref name="through"/>, oldest first.</summary>
    private IEnumerable<DateTimeOffset> Forward(DateTimeOffset after, DateTimeOffset through)
    {
        if (_end is { } end && through > end)
        {
            through = end;
        }

        if (_start is { } start && after < start)
        {
            after = start - TimeSpan.FromTicks(1);
        }

        if (through <= after)
        {
            return [];
        }

        return _cron is not null
            ? _cron.GetOccurrences(after, through, _zone, fromInclusive: false, toInclusive: true)
            : Intervals(after, through);
    }

    private IEnumerable<DateTimeOffset> Intervals(DateTimeOffset after, DateTimeOffset through)
    {
        for (var due = NextAfter(after); due is { } at && at <= through; due = NextAfter(at))
        {
            yield return at;
        }
    }

    /// <summary>The shortest gap between the next due times (looked at over the next 200), or null when fewer than two are left.</summary>
    public TimeSpan? ShortestGap(DateTimeOffset after)
    {
        if (_cron is null)
        {
            return _every;
        }

        var next = Next(after, 200);
        TimeSpan? shortest = null;
        for (var i = 1; i < next.Count; i++)
        {
            var gap = next[i] - next[i - 1];
            if (shortest is null || gap < shortest)
            {
                shortest = gap;
            }
        }

        return shortest;
    }
}
