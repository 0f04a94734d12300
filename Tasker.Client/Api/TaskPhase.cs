namespace Tasker;

/// <summary>
/// Where a task is in its lifecycle: queued → running → succeeded | failed | cancelled, running ⇄ paused; a task asked
/// for later is scheduled until its time, then queued or running; one that runs after others is waiting until they end.
/// One definition for the grains and the client; the HTTP API carries its wire name (<see cref="TaskPhases.ToWire"/>).
/// </summary>
/// <remarks>
/// Grain state and messages carry it by value (Orleans' serializer writes the number), so the values never change.
/// </remarks>
public enum TaskPhase
{
    Queued = 0,
    Running = 1,
    Paused = 2,
    Succeeded = 3,
    Failed = 4,
    Cancelled = 5,
    /// <summary>Waits for its due time (a delayed task) and holds nothing but its stored row meanwhile.</summary>
    Scheduled = 6,
    /// <summary>Waits for the tasks it runs after (its parents in a flow) and holds nothing but its stored row meanwhile.</summary>
    Waiting = 7,
}

/// <summary>Lifecycle facts and wire names shared by every layer.</summary>
public static class TaskPhases
{
    /// <summary>Every phase's wire name, in lifecycle order.</summary>
    public static IReadOnlyList<string> WireNames { get; } = [.. Enum.GetValues<TaskPhase>().Select(p => p.ToWire())];

    /// <summary>The wire names of the final phases (succeeded, failed, cancelled): the ends a callback may announce.</summary>
    public static IReadOnlyList<string> FinalWireNames { get; } =
        [.. Enum.GetValues<TaskPhase>().Where(p => p.IsFinal()).Select(p => p.ToWire())];

    /// <summary>True for the phases a task never leaves.</summary>
    public static bool IsFinal(this TaskPhase phase) =>
        phase is TaskPhase.Succeeded or TaskPhase.Failed or TaskPhase.Cancelled;

    /// <summary>The lower-case wire name, as used in URLs and JSON.</summary>
    public static string ToWire(this TaskPhase phase) => WireName.Of(phase);

    /// <summary>Parses a wire name (compared to the letter); false for anything else.</summary>
    public static bool TryParseWire(string? text, out TaskPhase phase) => WireName.TryParse(text, out phase);
}
