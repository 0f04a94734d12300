using System.ComponentModel.DataAnnotations;

namespace Tasker.Users;

/// <summary>The limits of one tier. Bound from <c>Tasker:Tiers:&lt;name&gt;</c>.</summary>
public sealed class TierOptions
{
    /// <summary>Long tasks of one user running at once.</summary>
    [Range(1, 10_000)]
    public int MaxRunning { get; set; } = 1;

    /// <summary>The highest priority the tier may ask for: low, normal or high.</summary>
    [RegularExpression("^(low|normal|high)$")]
    public string MaxPriority { get; set; } = "normal";

    /// <summary>Requests per second of one user (every request counts).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>How far ahead a task may be asked for (<c>run_at</c>, <c>delay</c>). Default 365 days.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Recurring schedules one user may hold.</summary>
    [Range(0, 100_000)]
    public int MaxSchedules { get; set; } = 20;

    /// <summary>The shortest interval between a schedule's due times (an <c>every</c>, or the closest two of a cron).</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>The tiers users are in, by name. Bound from <c>Tasker:Tiers</c>; free and paid exist unless configured otherwise.</summary>
public sealed class TiersOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Tiers";

    /// <summary>The tier of users created without one.</summary>
    public const string DefaultTier = "free";

    public Dictionary<string, TierOptions> Tiers { get; } = new(StringComparer.Ordinal)
    {
        ["free"] = new TierOptions { MaxRunning = 1, MaxPriority = "normal", RequestsPerSecond = 50 },
        ["paid"] = new TierOptions { MaxRunning = 2, MaxPriority = "high", RequestsPerSecond = 200, MaxSchedules = 200, MinInterval = TimeSpan.FromSeconds(10) },
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Tiers.ContainsKey(DefaultTier))
        {
            yield return new ValidationResult($"Tasker:Tiers must keep the tier '{DefaultTier}'.", [nameof(Tiers)]);
        }

        foreach (var (name, tier) in Tiers)
        {
            var results = new List<ValidationResult>();
            if (!ClientNames.IsValid(name))
            {
                yield return new ValidationResult($"Tasker:Tiers: the tier name '{name}' must be {ClientNames.Rule}.", [nameof(Tiers)]);
            }

            if (tier.MinInterval < TimeSpan.FromSeconds(1))
            {
                yield return new ValidationResult($"Tasker:Tiers:{name}: MinInterval must be at least 1 second.", [nameof(Tiers)]);
            }

            if (!Validator.TryValidateObject(tier, new ValidationContext(tier), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    yield return new ValidationResult($"Tasker:Tiers:{name}: {result.ErrorMessage}", [nameof(Tiers)]);
                }
            }
        }
    }
}
