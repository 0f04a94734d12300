namespace Tasker.Tasks;

/// <summary>
/// What a part of <see cref="TaskGrain"/> that changes the task itself (its <see cref="ChunkDriver"/>) uses of
/// the grain: the task's state, and the work every change of it is followed by. The grain keeps these, because a commit,
/// a reminder and the history line are the grain's own (docs/adr/014).
/// </summary>
internal interface ITaskHost
{
    string Id { get; }

    /// <summary>The task's state as it is now (the grain replaces the instance when the task is deleted or expires).</summary>
    TaskState State { get; }

    /// <summary>Writes the state, then publishes it; a failed write drops the activation and rethrows.</summary>
    Task CommitAsync();

    Task ReleaseReminderAsync();

    /// <summary>Gives back a slot the ended task held and writes its history line; never throws for the history.</summary>
    Task AfterPhaseChangeAsync();
}
