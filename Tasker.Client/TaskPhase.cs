namespace Tasker.Client;

/// <summary>
/// Where a task is in its lifecycle, as the HTTP API names it (<see cref="Api.TaskView.Status"/>):
/// queued → running → succeeded | failed | cancelled, running ⇄ paused; scheduled (asked for later) → queued; waiting (for its parents) → queued | cancelled. The client's own copy of the wire's
/// vocabulary, so that it needs none of the grains' assemblies (docs/adr/021).
/// </summary>
public enum TaskPhase
{
    Queued,
    Running,
    Paused,
    Succeeded,
    Failed,
    Cancelled,
    Scheduled,
    Waiting,
}

/// <summary>The queue a task asks for, as the HTTP API names it (<c>high</c>, <c>normal</c>, <c>low</c>).</summary>
public enum TaskPriority
{
    Normal,
    High,
    Low,
}

/// <summary>The wire names of <see cref="TaskPhase"/> and <see cref="TaskPriority"/>.</summary>
public static class WireNames
{
    private static readonly TaskPhase[] _phases = Enum.GetValues<TaskPhase>();
    private static readonly TaskPriority[] _priorities = Enum.GetValues<TaskPriority>();

    /// <summary>Every phase's wire name, in lifecycle order.</summary>
    public static IReadOnlyList<string> Phases { get; } = [.. _phases.Select(p => p.ToWire())];

    /// <summary>Every priority's wire name, highest first.</summary>
    public static IReadOnlyList<string> Priorities { get; } = ["high", "normal", "low"];

    /// <summary>True for the phases a task never leaves.</summary>
    public static bool IsFinal(this TaskPhase phase) => phase is TaskPhase.Succeeded or TaskPhase.Failed or TaskPhase.Cancelled;

    /// <summary>The lower-case wire name, as used in URLs and JSON.</summary>
    public static string ToWire(this TaskPhase phase) => phase.ToString().ToLowerInvariant();

    /// <summary>The lower-case wire name, as used in URLs and JSON.</summary>
    public static string ToWire(this TaskPriority priority) => priority.ToString().ToLowerInvariant();

    /// <summary>Parses a phase's wire name; false for anything else.</summary>
    public static bool TryParsePhase(string? text, out TaskPhase phase)
    {
        foreach (var candidate in _phases)
        {
            if (string.Equals(candidate.ToWire(), text, StringComparison.Ordinal))
            {
                phase = candidate;
                return true;
            }
        }

        phase = default;
        return false;
    }

    /// <summary>Parses a priority's wire name; false for anything else.</summary>
    public static bool TryParsePriority(string? text, out TaskPriority priority)
    {
        foreach (var candidate in _priorities)
        {
            if (string.Equals(candidate.ToWire(), text, StringComparison.Ordinal))
            {
                priority = candidate;
                return true;
            }
        }

        priority = default;
        return false;
    }
}
