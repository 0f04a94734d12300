namespace Tasker.Shell;

/// <summary>The persisted shell queue: ids and times only, never commands or outputs. Bounded by <see cref="ShellOptions.MaxQueued"/>.</summary>
[GenerateSerializer, Alias("tasker.ShellQueueState")]
public sealed class ShellQueueState
{
    /// <summary>Tasks waiting for an agent.</summary>
    [Id(0)] public List<ShellQueueEntry> Queued { get; set; } = [];

    /// <summary>Tasks handed to an agent, by id, with the time to ask them whether their lease still holds.</summary>
    [Id(1)] public Dictionary<string, DateTimeOffset> Leased { get; set; } = [];

    /// <summary>True while this queue has set the <c>shell</c> process to <c>queue</c>.</summary>
    [Id(2)] public bool AlarmRaised { get; set; }
}

/// <summary>One waiting task: its order (priority, then creation) and since when it waits.</summary>
[GenerateSerializer, Immutable, Alias("tasker.ShellQueueEntry")]
public sealed record ShellQueueEntry(
    [property: Id(0)] string TaskId,
    [property: Id(1)] TaskPriority Priority,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset QueuedAt);
