using System.ComponentModel.DataAnnotations;

namespace Tasker.Schedules;

/// <summary>How schedules fire. Bound from <c>Tasker:Schedules</c>.</summary>
public sealed class ScheduleOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Schedules";

    /// <summary>
    /// A due time looked at later than this after it is missed, and the missed policy decides what it makes. Default
    /// 2 minutes: a silo lost in cluster mode delays a schedule by up to a heartbeat (Tasker:ReminderPeriod, 1 minute),
    /// which must not count as missed.
    /// </summary>
    public TimeSpan MissedAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a schedule with a buffered due time (overlap buffer_one) looks whether the previous task has ended. Default 5 s.</summary>
    public TimeSpan OverlapPoll { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>max_catchup</c> when a schedule does not say. Default 10.</summary>
    [Range(1, 1_000)]
    public int DefaultMaxCatchup { get; set; } = 10;

    /// <summary>Schedules of one client when nobody is signed in (authentication off; tiers cap signed-in users). Default 1,000.</summary>
    [Range(1, 100_000)]
    public int MaxPerAnonymousClient { get; set; } = 1_000;

    /// <summary>The shortest interval when nobody is signed in. Default 1 s.</summary>
    public TimeSpan AnonymousMinInterval { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MissedAfter <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Tasker:Schedules:MissedAfter must be above 0.", [nameof(MissedAfter)]);
        }

        if (OverlapPoll < TimeSpan.FromMilliseconds(10))
        {
            yield return new ValidationResult("Tasker:Schedules:OverlapPoll must be at least 10 ms.", [nameof(OverlapPoll)]);
        }

        if (AnonymousMinInterval < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Tasker:Schedules:AnonymousMinInterval must be at least 1 s.", [nameof(AnonymousMinInterval)]);
        }
    }
}
