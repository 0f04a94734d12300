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

    /// <summary>Largest n of a sequence task (n child tasks). Default 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxSequenceN { get; set; } = 10_000;

    /// <summary>Largest <c>to</c> of a count task. Default 1,000,000,000.</summary>
    [Range(1, long.MaxValue)]
    public long MaxCountTo { get; set; } = 1_000_000_000;

    /// <summary>Largest <c>delay_ms</c> of a count task. Default 60,000.</summary>
    [Range(0, 3_600_000)]
    public int MaxCountDelayMs { get; set; } = 60_000;

    /// <summary>Longest <c>input_param</c> of an input task, in characters. Default 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxInputLength { get; set; } = 10_000;

    /// <summary>
    /// Most rows a csv-export chunk writes when the task does not say (<c>chunk_rows</c>). Default 100,000: a chunk ends
    /// at <see cref="ChunkBudget"/> first, so the budget sizes the chunks.
    /// </summary>
    [Range(10, 1_000_000)]
    public int ExportChunkRows { get; set; } = 100_000;

    /// <summary>Rows a csv-import chunk stores when the task does not say (<c>chunk_rows</c>). Default 5,000.</summary>
    [Range(10, 1_000_000)]
    public int ImportChunkRows { get; set; } = 5_000;

    /// <summary>Bad rows a csv-import tolerates when the task does not say (<c>max_bad_rows</c>); one more fails it. Default 100.</summary>
    [Range(0, 1_000_000)]
    public int ImportMaxBadRows { get; set; } = 100;

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
