namespace Tasker.Schedules;

/// <summary>What one look at a schedule decides: the due times to make tasks for now, and those missed.</summary>
/// <param name="Fire">The due times to make a task for, oldest first.</param>
/// <param name="Missed">Due times that make no task of their own (the missed policy), counted up to <see cref="SchedulePlanner.MaxCounted"/>.</param>
/// <param name="Through">The latest due time this plan deals with; the schedule's last due time once it is carried out.</param>
public sealed record SchedulePlan(IReadOnlyList<DateTimeOffset> Fire, long Missed, DateTimeOffset? Through)
{
    public static readonly SchedulePlan Nothing = new([], 0, null);
}

/// <summary>
/// Decides, from the last due time dealt with and the time now, which due times make a task (docs/adr/033). A due time
/// is on time when it is looked at within <c>missedAfter</c> of its (jittered) time; every earlier one, and a late one,
/// is missed, and the missed policy says what they make. Pure, so that tests can move a fake clock through it.
/// </summary>
public static class SchedulePlanner
{
    /// <summary>Missed due times are counted up to this many (a seconds schedule after a week away has 600,000).</summary>
    public const long MaxCounted = 100_000;

    public static SchedulePlan Decide(
        ScheduleTimes times, DateTimeOffset lastDue, DateTimeOffset now, MissedPolicy missed, int maxCatchup, TimeSpan missedAfter, Func<DateTimeOffset, TimeSpan> jitterOf)
    {
        var (found, count) = times.Latest(lastDue, now, maxCatchup + 2, MaxCounted);
        var newest = found.ToList();
        if (newest.Count > 0 && newest[0] + jitterOf(newest[0]) > now)
        {
            newest.RemoveAt(0); // Due, but its jittered time has not come: it is made then.
            count--;
        }

        if (count <= 0 || newest.Count == 0)
        {
            return SchedulePlan.Nothing;
        }

        var latest = newest[0];
        var onTime = now - (latest + jitterOf(latest)) <= missedAfter;
        var late = count - (onTime ? 1 : 0);
        if (late == 0)
        {
            return new SchedulePlan([latest], 0, latest);
        }

        switch (missed)
        {
            case MissedPolicy.RunOnce:
                return new SchedulePlan([latest], count - 1, latest);
            case MissedPolicy.Skip:
                return new SchedulePlan(onTime ? [latest] : [], late, latest);
            default:
                var catchUp = newest.Skip(onTime ? 1 : 0).Take(maxCatchup).ToList();
                var fire = new List<DateTimeOffset>(catchUp.Count + 1);
                fire.AddRange(Enumerable.Reverse(catchUp));
                if (onTime)
                {
                    fire.Add(latest);
                }

                return new SchedulePlan(fire, late - catchUp.Count, latest);
        }
    }

    /// <summary>
    /// The fixed offset of a due time within the jitter: the same for the same schedule and due time on every silo and
    /// after every restart, so that a firing repeated later aims at the same moment.
    /// </summary>
    public static TimeSpan JitterOf(string scheduleKey, DateTimeOffset due, TimeSpan jitter)
    {
        if (jitter <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes($"{scheduleKey}\n{due.UtcTicks}");
        var hash = BitConverter.ToUInt64(System.Security.Cryptography.SHA256.HashData(bytes), 0);
        return TimeSpan.FromTicks((long)(hash % (ulong)jitter.Ticks));
    }
}
