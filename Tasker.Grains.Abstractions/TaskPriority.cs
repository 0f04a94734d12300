namespace Tasker;

/// <summary>The queue a task asks for; a tier caps the highest its users may ask (<c>MaxPriority</c>).</summary>
[GenerateSerializer, Alias("tasker.TaskPriority")]
public enum TaskPriority
{
    Normal = 0,
    High = 1,
    Low = 2,
}

/// <summary>The wire names of <see cref="TaskPriority"/>.</summary>
public static class TaskPriorities
{
    /// <summary>The lower-case wire name, as used in URLs and JSON.</summary>
    public static string ToWire(this TaskPriority priority) => WireName.Of(priority);

    /// <summary>Parses high, normal or low, in any case (a request may write <c>High</c>); false for anything else.</summary>
    public static bool TryParseWire(string text, out TaskPriority priority) =>
        WireName.TryParse(text.ToLowerInvariant(), out priority);
}
