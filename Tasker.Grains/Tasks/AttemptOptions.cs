using System.ComponentModel.DataAnnotations;

namespace Tasker.Tasks;

/// <summary>
/// Each task type's default retry policy and timeout, used when a submission names none (docs/adr/034). Bound from
/// <c>Tasker:Retry:Types:&lt;type&gt;</c>; chat and conversation, which call out to a server that may be busy, retry by
/// default; every other type makes one attempt unless asked.
/// </summary>
public sealed class AttemptOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Retry";

    public Dictionary<string, TypeAttemptOptions> Types { get; } = new(StringComparer.Ordinal)
    {
        ["chat"] = TypeAttemptOptions.CallingOut(),
        ["conversation"] = TypeAttemptOptions.CallingOut(),
    };

    /// <summary>The defaults of <paramref name="type"/>: its configured ones, else one attempt without a timeout.</summary>
    public TypeAttemptOptions For(string type) => Types.TryGetValue(type, out var options) ? options : TypeAttemptOptions.Once;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (type, options) in Types)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
            if (options.MaxDelay < options.InitialDelay)
            {
                results.Add(new ValidationResult("MaxDelay must not be shorter than InitialDelay."));
            }

            foreach (var result in results)
            {
                yield return new ValidationResult($"{SectionName}:Types:{type}: {result.ErrorMessage}", [nameof(Types)]);
            }
        }
    }
}

/// <summary>One type's default attempts: as the <c>retry</c> and <c>timeout</c> fields of a submission.</summary>
public sealed class TypeAttemptOptions
{
    public static readonly TypeAttemptOptions Once = new();

    /// <summary>Attempts in all, 1 to 100. Default 1: no retry.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 1;

    /// <summary><c>exponential</c> (default) or <c>fixed</c>.</summary>
    [RegularExpression("^(exponential|fixed)$")]
    public string Backoff { get; set; } = "exponential";

    /// <summary>The pause before the first retry. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How much each pause grows (exponential backoff), at least 1. Default 2.</summary>
    [Range(1.0, 1000.0)]
    public double Multiplier { get; set; } = 2;

    /// <summary>The longest pause. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Each pause is spread by up to this share of itself, 0 to 1. Default 0.2.</summary>
    [Range(0.0, 1.0)]
    public double Jitter { get; set; } = 0.2;

    /// <summary>How long one attempt may run; unset for no limit.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan? Timeout { get; set; }

    /// <summary>The policy a submission of this type gets when it names none; null for one attempt.</summary>
    public RetryPolicy? Policy => MaxAttempts <= 1 ? null
        : new RetryPolicy(MaxAttempts, Backoff == "exponential", InitialDelay, Multiplier, MaxDelay, Jitter);

    internal static TypeAttemptOptions CallingOut() => new()
    {
        MaxAttempts = 3,
        InitialDelay = TimeSpan.FromSeconds(2),
        MaxDelay = TimeSpan.FromMinutes(1),
    };
}
