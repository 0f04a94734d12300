namespace Tasker.Tasks;

/// <summary>
/// What a part of <see cref="TaskGrain"/> (its <see cref="ChunkDriver"/>, its <see cref="CacheParticipation"/>) reads of
/// the grain: the task's id and state. A part decides and never changes the task through the grain: the grain applies
/// its decision and commits it (<see cref="TaskSteps"/>), because a commit, a reminder and the history line are the
/// grain's own (docs/adr/014).
/// </summary>
internal interface ITaskHost
{
    string Id { get; }

    /// <summary>The task's state as it is now (the grain replaces the instance when the task is deleted or expires).</summary>
    TaskState State { get; }
}
