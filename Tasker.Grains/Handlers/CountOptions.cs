using System.ComponentModel.DataAnnotations;

namespace Tasker.Handlers;

/// <summary>
/// The limits of the count task's parameters. Bound from the <c>Tasker</c> section
/// itself, as <c>Tasker:MaxCountTo</c> and its like, beside the general keys.
/// </summary>
public sealed class CountOptions
{
    /// <summary>Largest <c>to</c> of a count task. Default 1,000,000,000.</summary>
    [Range(1, long.MaxValue)]
    public long MaxCountTo { get; set; } = 1_000_000_000;

    /// <summary>Largest <c>delay_ms</c> of a count task. Default 60,000.</summary>
    [Range(0, 3_600_000)]
    public int MaxCountDelayMs { get; set; } = 60_000;
}
