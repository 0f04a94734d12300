namespace Tasker;

/// <summary>
/// The running slots of one client's long tasks: at most its user's tier's <c>MaxRunning</c> at once, cluster-wide.
/// Tasks beyond the limit wait, and are granted a slot by priority (high, normal, low), then age. Keyed by the client
/// name; a client that is not a user has no limit.
/// </summary>
[Alias("tasker.IUserSlotsGrain")]
public interface IUserSlotsGrain : IGrainWithStringKey
{
    /// <summary>Asks for a slot for a task; idempotent. Granted: run now. Queued: wait for <see cref="ITaskGrain.SlotGrantedAsync"/>.</summary>
    [Alias("Acquire")]
    Task<SlotAnswer> AcquireAsync(SlotRequest request);

    /// <summary>Gives a task's slot (or its place in the queue) back; the next waiting task is granted it.</summary>
    [Alias("Release")]
    Task ReleaseAsync(string taskId);
}

/// <summary>A task asking for a running slot.</summary>
[GenerateSerializer, Immutable, Alias("tasker.SlotRequest")]
public sealed record SlotRequest(
    [property: Id(0)] string TaskId,
    [property: Id(1)] TaskPriority Priority,
    [property: Id(2)] DateTimeOffset CreatedAt);

/// <summary>What the slots grain answered.</summary>
[GenerateSerializer, Alias("tasker.SlotAnswer")]
public enum SlotAnswer
{
    Granted = 0,
    Queued = 1,
}
