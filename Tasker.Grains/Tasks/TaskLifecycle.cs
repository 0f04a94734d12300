namespace Tasker.Tasks;

/// <summary>What can happen to a task that the grain asks the rules about: a client's command, or the retention sweep.</summary>
public enum TaskEvent
{
    Pause,
    Resume,
    Cancel,
    Delete,
    /// <summary>The retention sweep found it past its retention.</summary>
    Expire,
    /// <summary>A client asked a scheduled task to start now.</summary>
    RunNow,
}

/// <summary>
/// The outcome of an event in a phase: legal, with the phase it leads to (<see cref="To"/> null: the task is gone), or
/// refused with the reason a client is told.
/// </summary>
public readonly record struct TaskTransition(bool Legal, TaskPhase? To, string? Refusal)
{
    public static TaskTransition Into(TaskPhase? to) => new(true, to, null);

    public static TaskTransition Refused(string reason) => new(false, null, reason);

    /// <summary>The phase the grain puts the task in, as the rules say: a legal transition that leaves a task.</summary>
    public TaskPhase Target => Legal && To is { } phase
        ? phase
        : throw new InvalidOperationException(Legal ? "this transition leaves no task to put in a phase" : $"a refused transition has no phase: {Refusal}");
}

/// <summary>
/// The lifecycle rules of a task as one pure function of its phase (README "Lifecycle and errors"), so that they are read and
/// tested in one place, without a cluster; the grain asks here before it changes anything, puts the task in the phase the
/// transition leads to (<see cref="TaskTransition.Target"/>), and does the work it needs (commit, reminder, cache, history).
/// </summary>
public static class TaskLifecycle
{
    public static TaskTransition Decide(TaskEvent happening, TaskPhase phase, bool isShell) => happening switch
    {
        TaskEvent.Pause when phase != TaskPhase.Running => TaskTransition.Refused("only a running task can be paused"),
        TaskEvent.Pause when isShell => TaskTransition.Refused("a shell command cannot be paused (docs/adr/013); cancel it instead"),
        TaskEvent.Pause => TaskTransition.Into(TaskPhase.Paused),
        TaskEvent.Resume when phase != TaskPhase.Paused => TaskTransition.Refused("only a paused task can be resumed"),
        TaskEvent.Resume => TaskTransition.Into(TaskPhase.Running),
        TaskEvent.Cancel when phase.IsFinal() => TaskTransition.Refused("the task has already ended"),
        TaskEvent.Cancel => TaskTransition.Into(TaskPhase.Cancelled),
        TaskEvent.Delete when phase is TaskPhase.Scheduled or TaskPhase.Waiting => TaskTransition.Into(null), // Nothing runs yet: nothing to stop first.
        TaskEvent.Delete when !phase.IsFinal() => TaskTransition.Refused("cancel the task before deleting it"),
        TaskEvent.Delete => TaskTransition.Into(null),
        TaskEvent.Expire when !phase.IsFinal() => TaskTransition.Refused("a task that has not ended never expires"),
        TaskEvent.Expire => TaskTransition.Into(null),
        TaskEvent.RunNow when phase != TaskPhase.Scheduled => TaskTransition.Refused("only a scheduled task can be started early"),
        TaskEvent.RunNow => TaskTransition.Into(TaskPhase.Queued),
        _ => throw new ArgumentOutOfRangeException(nameof(happening), happening, "not a task event"),
    };

    /// <summary>When the task ended, if it may expire at the cut-off (it ended before it); null when it stays.</summary>
    public static DateTimeOffset? ExpiringEnd(TaskState task, bool isShell, DateTimeOffset endedBefore) =>
        Decide(TaskEvent.Expire, task.Phase, isShell).Legal && task.FinishedAt is { } end && end < endedBefore ? end : null;
}
