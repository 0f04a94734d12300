namespace Tasker.Webhooks;

/// <summary>How completion webhooks are delivered (docs/adr/036). Bound from <c>Tasker:Webhooks</c>, validated at start.</summary>
public sealed class WebhookOptions : System.ComponentModel.DataAnnotations.IValidatableObject
{
    public const string SectionName = "Tasker:Webhooks";

    /// <summary>
    /// Lets callbacks go to http URLs and to loopback, private, link-local and metadata addresses. Off by default: a
    /// webhook must not be a way into the network Tasker runs in. For tests and local use; logged at start when on.
    /// </summary>
    public bool AllowPrivate { get; set; }

    /// <summary>How long one attempt may take, connection and answer. Default 15 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a delivery is tried again after its first attempt. Default 1 day (the last try is at its end).</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The wait after the first failed attempt; each later one doubles, up to <see cref="MaxRetryDelay"/>. Default 5 s.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts. Default 1 hour.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The largest body sent, in bytes; a task view above it is sent without its result (the receiver reads it). Default 64 KiB.</summary>
    [System.ComponentModel.DataAnnotations.Range(4 * 1024, 4 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>How long a delivery that ended (delivered, gone, given up, refused) keeps its attempt log. Default 7 days.</summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a rotated secret still signs beside the new one, so that receivers can switch. Default 1 day.</summary>
    public TimeSpan PreviousSecretFor { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Attempts a delivery lists at most (the oldest go first); the count goes on. Fixed: state stays bounded.</summary>
    public const int MaxAttemptsKept = 50;

    public IEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> Validate(System.ComponentModel.DataAnnotations.ValidationContext validationContext)
    {
        foreach (var (name, value, least, most) in new[]
                 {
                     (nameof(Timeout), Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
                     (nameof(RetryFor), RetryFor, TimeSpan.Zero, TimeSpan.FromDays(30)),
                     (nameof(FirstRetryDelay), FirstRetryDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1)),
                     (nameof(MaxRetryDelay), MaxRetryDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1)),
                     (nameof(KeepFor), KeepFor, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650)),
                     (nameof(PreviousSecretFor), PreviousSecretFor, TimeSpan.Zero, TimeSpan.FromDays(30)),
                 })
        {
            if (value < least || value > most)
            {
                yield return new System.ComponentModel.DataAnnotations.ValidationResult(
                    $"{SectionName}:{name} must be between {least} and {most} (d.hh:mm:ss).", [name]);
            }
        }

        if (MaxRetryDelay < FirstRetryDelay)
        {
            yield return new System.ComponentModel.DataAnnotations.ValidationResult(
                $"{SectionName}:MaxRetryDelay must not be below FirstRetryDelay.", [nameof(MaxRetryDelay)]);
        }
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1, after <paramref name="attempt"/> (from 1) failed: doubling, capped, ±10 % jitter.</summary>
    public TimeSpan RetryDelay(int attempt, double jitter)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 40);
        var delay = Math.Min(FirstRetryDelay.TotalMilliseconds * Math.Pow(2, exponent), MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(delay * (0.9 + 0.2 * jitter));
    }
}
