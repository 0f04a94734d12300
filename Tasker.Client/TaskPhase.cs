namespace Tasker.Client;

/// <summary>
/// Where a task is in its lifecycle, as the HTTP API names it (<see cref="Api.TaskView.Status"/>):
/// queued → running → succeeded | failed | cancelled, running ⇄ paused; scheduled (asked for later) → queued; waiting (for its parents) → queued | cancelled. The client's own copy of the wire's
/// vocabulary, so that it needs none of the grains' assemblies (docs/adr/021); the names come from the one
/// definition both share (<see cref="WireName"/>).
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
    /// <summary>Every phase's wire name, in lifecycle order.</summary>
    public static IReadOnlyList<string> Phases { get; } = [.. Enum.GetValues<TaskPhase>().Select(p => p.ToWire())];

    /// <summary>Every priority's wire name, highest first.</summary>
    public static IReadOnlyList<string> Priorities { get; } = [.. new[] { TaskPriority.High, TaskPriority.Normal, TaskPriority.Low }.Select(p => p.ToWire())];

    /// <summary>True for the phases a task never leaves.</summary>
    public static bool IsFinal(this TaskPhase phase) => phase is TaskPhase.Succeeded or TaskPhase.Failed or TaskPhase.Cancelled;

    /// <summary>The lower-case wire name, as used in URLs and JSON.</summary>
    public static string ToWire(this TaskPhase phase) => WireName.Of(phase);

    /// <summary>The lower-case wire name, as used in URLs and JSON.</summary>
    public static string ToWire(this TaskPriority priority) => WireName.Of(priority);

    /// <summary>Parses a phase's wire name; false for anything else.</summary>
    public static bool TryParsePhase(string? text, out TaskPhase phase) => WireName.TryParse(text, out phase);

    /// <summary>Parses a priority's wire name; false for anything else.</summary>
    public static bool TryParsePriority(string? text, out TaskPriority priority) => WireName.TryParse(text, out priority);
}
