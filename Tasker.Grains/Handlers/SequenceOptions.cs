using System.ComponentModel.DataAnnotations;

namespace Tasker.Handlers;

/// <summary>
/// The limit of the sequence task's parameters. Bound from the <c>Tasker</c> section
/// itself, as <c>Tasker:MaxSequenceN</c> and its like, beside the general keys.
/// </summary>
public sealed class SequenceOptions
{
    /// <summary>Largest n of a sequence task (n child tasks). Default 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxSequenceN { get; set; } = 10_000;
}
