using System.ComponentModel.DataAnnotations;

namespace Tasker.Handlers;

/// <summary>
/// The limit of the input task's parameter. Bound from the <c>Tasker</c> section
/// itself, as <c>Tasker:MaxInputLength</c> and its like, beside the general keys.
/// </summary>
public sealed class InputOptions
{
    /// <summary>Longest <c>input_param</c> of an input task, in characters. Default 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxInputLength { get; set; } = 10_000;
}
