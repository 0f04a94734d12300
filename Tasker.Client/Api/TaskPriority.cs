namespace Tasker;

/// <summary>
/// The queue a task asks for: <c>high</c>, <c>normal</c> or <c>low</c>; a user's tier caps the highest they may ask
/// (<c>MaxPriority</c>). One definition for the grains and the client.
/// </summary>
/// <remarks>
/// Grain state and messages carry it by value (Orleans' serializer writes the number), so the values never change.
/// </remarks>
public enum TaskPriority
{
    Normal = 0,
    High = 1,
    Low = 2,
}

/// <summary>The wire names of <see cref="TaskPriority"/>.</summary>
public static class TaskPriorities
{
    /// <summary>Every priority's wire name, highest first.</summary>
    public static IReadOnlyList<string> WireNames { get; } =
        [.. new[] { TaskPriority.High, TaskPriority.Normal, TaskPriority.Low }.Select(p => p.ToWire())];

    /// <summary>The lower-case wire name, as used in URLs and JSON.</summary>
    public static string ToWire(this TaskPriority priority) => WireName.Of(priority);

    /// <summary>Parses high, normal or low, in any case (a request may write <c>High</c>); false for anything else.</summary>
    public static bool TryParseWire(string? text, out TaskPriority priority) =>
        WireName.TryParse(text?.ToLowerInvariant(), out priority);
}
