using System.ComponentModel.DataAnnotations;

namespace Tasker;

/// <summary>How tasks run and what they may ask for. Bound from the <c>Tasker</c> configuration section.</summary>
public sealed class TaskerOptions : IValidatableObject
{
    public const string SectionName = "Tasker";

    /// <summary>How long one chunk of a long task may work before it checkpoints. Default 100 ms.</summary>
    public TimeSpan ChunkBudget { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Period of the reminder a running long task holds; after a silo dies the task is woken within about this long.
    /// Default 1 minute (the Orleans minimum unless lowered for tests).
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Lines kept in one client's history; older ones are trimmed (the tasks themselves remain). Default 1,000.</summary>
    [Range(10, 100_000)]
    public int MaxHistoryPerClient { get; set; } = 1_000;

    /// <summary>How long a cached result answers identical requests. Default 1 day.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Short types' results kept in the cache (in memory, an equal share in each of its 64 partitions); the oldest go
    /// first. 0 turns the cache off. Default 100,000.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxCachedShortResults { get; set; } = 100_000;

    /// <summary>Requests that may wait on one running computation; more run on their own. Default 1,000.</summary>
    [Range(1, 100_000)]
    public int MaxCacheFollowers { get; set; } = 1_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ChunkBudget <= TimeSpan.Zero || ChunkBudget > TimeSpan.FromSeconds(10))
        {
            yield return new ValidationResult("Tasker:ChunkBudget must be above 0 and at most 10 seconds.", [nameof(ChunkBudget)]);
        }

        if (ReminderPeriod < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Tasker:ReminderPeriod must be at least 1 second.", [nameof(ReminderPeriod)]);
        }

        if (CacheTtl <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Tasker:CacheTtl must be above 0.", [nameof(CacheTtl)]);
        }

        // Each partition keeps an equal whole share: below one per partition the cache would silently keep nothing.
        if (MaxCachedShortResults is > 0 and < Caching.ResultCacheKey.ShortPartitions)
        {
            yield return new ValidationResult(
                $"Tasker:MaxCachedShortResults must be 0 (no cache) or at least {Caching.ResultCacheKey.ShortPartitions}, one per cache partition.",
                [nameof(MaxCachedShortResults)]);
        }
    }
}
