using System.ComponentModel.DataAnnotations;

namespace Tasker.Shell;

/// <summary>Shell tasks and their leases. Bound from the <c>Tasker:Shell</c> configuration section.</summary>
public sealed class ShellOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Shell";

    /// <summary>
    /// Whether shell tasks are accepted at all. Default false: a shell task is remote code execution on the agents,
    /// so an operator turns it on knowingly (<c>Tasker__Shell__Enabled=true</c>).
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>Leases a task may be given; when the last one expires too, the task fails with the reason. Default 3.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How long a lease lasts without a heartbeat. Agents heartbeat about three times per lease. Default 30 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When a shell task has waited this long with no agent picking it, the <c>shell</c> process turns <c>queue</c>. Default 60 s.</summary>
    public TimeSpan QueueAlarm { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The client of shell tasks submitted in 004's shape (<c>{"command": ...}</c>, no client). Default <c>004</c>.</summary>
    public string DefaultClient { get; set; } = "004";

    /// <summary>Longest command, in characters. Default 8,192.</summary>
    [Range(1, 1_000_000)]
    public int MaxCommandLength { get; set; } = 8_192;

    /// <summary>The time limit of a task that does not say (<c>timeout_s</c>). Default 3,600 s.</summary>
    [Range(1, 7 * 24 * 3600)]
    public int DefaultTimeoutSeconds { get; set; } = 3_600;

    /// <summary>The largest <c>timeout_s</c> a task may ask for. Default 86,400 s (a day).</summary>
    [Range(1, 7 * 24 * 3600)]
    public int MaxTimeoutSeconds { get; set; } = 86_400;

    /// <summary>Bytes of stdout and of stderr kept per task; the rest is dropped and the result says "truncated". Default 64 KiB.</summary>
    [Range(1_024, 16 * 1024 * 1024)]
    public int OutputCapBytes { get; set; } = 64 * 1024;

    /// <summary>Shell tasks queued or leased at once; beyond it submissions get 429. Default 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueued { get; set; } = 10_000;

    /// <summary>How often the queue looks for expired leases and for tasks waiting too long. Default 1 s.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an agent's heartbeat waits for a cancellation before answering: a third of the lease, at most 10 s.</summary>
    public TimeSpan HeartbeatWait => TimeSpan.FromTicks(Math.Min(LeaseDuration.Ticks / 3, TimeSpan.FromSeconds(10).Ticks));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Tasker:Shell:LeaseDuration must be between 1 second and 1 hour.", [nameof(LeaseDuration)]);
        }

        if (QueueAlarm < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Tasker:Shell:QueueAlarm must be at least 1 second.", [nameof(QueueAlarm)]);
        }

        if (SweepInterval < TimeSpan.FromMilliseconds(100) || SweepInterval > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Tasker:Shell:SweepInterval must be between 100 ms and 1 minute.", [nameof(SweepInterval)]);
        }

        if (!ClientNames.IsValid(DefaultClient))
        {
            yield return new ValidationResult($"Tasker:Shell:DefaultClient must be {ClientNames.Rule}.", [nameof(DefaultClient)]);
        }

        if (DefaultTimeoutSeconds > MaxTimeoutSeconds)
        {
            yield return new ValidationResult("Tasker:Shell:DefaultTimeoutSeconds must not exceed Tasker:Shell:MaxTimeoutSeconds.", [nameof(DefaultTimeoutSeconds)]);
        }
    }
}
