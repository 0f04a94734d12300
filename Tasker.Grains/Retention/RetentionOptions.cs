using System.ComponentModel.DataAnnotations;
using Tasker.Clients;

namespace Tasker.Retention;

/// <summary>
/// How long finished tasks are kept, counted from their end, and how the sweep that expires them works
/// (docs/adr/020). Bound from <c>Tasker:Retention</c>. A task that has not ended (queued, running, paused) never expires.
/// </summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Retention";

    /// <summary>How long a succeeded task is kept. Default 1 day.</summary>
    public TimeSpan Succeeded { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long a failed task is kept. Default 7 days.</summary>
    public TimeSpan Failed { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a cancelled task is kept. Default 1 day.</summary>
    public TimeSpan Cancelled { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long an Idempotency-Key stays bound to its task; a later request with the key is a new one. Default 1 day.</summary>
    public TimeSpan IdempotencyKeys { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Embedded mode only (nothing is kept on disk there): the finished tasks kept in memory at most; beyond it the
    /// oldest are expired first, whatever their age. Default 100,000.
    /// </summary>
    [Range(1, 100_000_000)]
    public int MaxFinishedInMemory { get; set; } = 100_000;

    /// <summary>How often each silo looks for expired tasks. Default 10 seconds (a sweep with nothing due is one query).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Tasks expired per batch of a sweep (a sweep goes on batch after batch while there is work). Default 500.</summary>
    [Range(1, 100_000)]
    public int SweepBatch { get; set; } = 500;

    /// <summary>
    /// The longest the sweep leaves a task that is kept past its retention (a task that runs after it has not ended,
    /// docs/adr/035) before it asks again: one sweep interval after the first refusal, twice as long after each next one,
    /// up to this; meanwhile younger tasks expire. Default 5 minutes.
    /// </summary>
    public TimeSpan KeptRecheck { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The sweep's question at <paramref name="now"/>: what has expired, a batch at a time.</summary>
    public ExpiryQuery ExpiryAt(DateTimeOffset now) =>
        new(now - Succeeded, now - Failed, now - Cancelled, MaxFinishedInMemory, SweepBatch);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(Succeeded), Succeeded), (nameof(Failed), Failed), (nameof(Cancelled), Cancelled),
                     (nameof(IdempotencyKeys), IdempotencyKeys),
                 })
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(3650))
            {
                yield return new ValidationResult($"{SectionName}:{name} must be above 0 and at most 3650 days (d.hh:mm:ss).", [name]);
            }
        }

        if (KeptRecheck < TimeSpan.FromMilliseconds(100) || KeptRecheck > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"{SectionName}:KeptRecheck must be between 100 ms and 1 day.", [nameof(KeptRecheck)]);
        }

        if (SweepInterval < TimeSpan.FromMilliseconds(100) || SweepInterval > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"{SectionName}:SweepInterval must be between 100 ms and 1 day.", [nameof(SweepInterval)]);
        }
    }
}
