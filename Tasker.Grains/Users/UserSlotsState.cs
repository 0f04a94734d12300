namespace Tasker.Users;

/// <summary>The persisted slots of one client: the tasks holding one, and the tasks waiting for one.</summary>
[GenerateSerializer, Alias("tasker.UserSlotsState")]
public sealed class UserSlotsState
{
    /// <summary>At most the tier's MaxRunning, plus any granted before the tier was lowered.</summary>
    [Id(0)] public List<string> Holders { get; set; } = [];
    /// <summary>Capped by <see cref="UserSlotsGrain.MaxWaiting"/>; beyond it a task is not listed and asks again on its reminder.</summary>
    [Id(1)] public List<SlotWaiter> Waiting { get; set; } = [];
}

/// <summary>A task waiting for a slot.</summary>
[GenerateSerializer, Alias("tasker.SlotWaiter")]
public sealed class SlotWaiter
{
    [Id(0)] public string TaskId { get; set; } = "";
    [Id(1)] public TaskPriority Priority { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
}
