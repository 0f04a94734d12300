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

/// <summary>One waiting task: what orders it (priority, client, creation) and since when it waits.</summary>
/// <param name="Client">Its client, for fairness between clients; null in entries stored before it was kept.</param>
[GenerateSerializer, Immutable, Alias("tasker.ShellQueueEntry")]
public sealed record ShellQueueEntry(
    [property: Id(0)] string TaskId,
    [property: Id(1)] TaskPriority Priority,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset QueuedAt,
    [property: Id(4)] string? Client = null);
