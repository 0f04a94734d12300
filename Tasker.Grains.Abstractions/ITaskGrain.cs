using Orleans.Concurrency;

namespace Tasker;

/// <summary>One task: its durable state, its lifecycle and its run. Keyed by the task id.</summary>
[Alias("tasker.ITaskGrain")]
public interface ITaskGrain : IGrainWithStringKey
{
    /// <summary>
    /// Accepts the task and starts it. Idempotent: a second call returns the task as it is.
    /// Short types finish within this call; long types are running or queued when it returns.
    /// </summary>
    [Alias("Submit")]
    Task<TaskSnapshot> SubmitAsync(TaskSubmission submission);

    /// <summary>The task as it is now, or null when no such task exists.</summary>
    [Alias("Get"), AlwaysInterleave] // A pure read of the last committed snapshot; must not wait behind a running chunk.
    Task<TaskSnapshot?> GetAsync();

    /// <summary>
    /// Waits until the task's version exceeds <paramref name="afterVersion"/> or the timeout passes,
    /// then returns the task as it is (null when it does not exist).
    /// </summary>
    [Alias("Watch"), AlwaysInterleave] // Waits without holding the grain, so commands and chunks go on meanwhile.
    Task<TaskSnapshot?> WatchAsync(long afterVersion, TimeSpan timeout);

    /// <summary>Pauses a running task at its next chunk boundary, keeping its checkpoint.</summary>
    [Alias("Pause")]
    Task<TaskCommandResult> PauseAsync();

    /// <summary>
    /// Abandons the chunk in flight when its type allows it (a call out to a chat endpoint), so that a pause or cancel
    /// sent next does not wait for the call; the chunk's work is dropped and its checkpoint stands. Does nothing else.
    /// </summary>
    [Alias("Interrupt"), AlwaysInterleave] // Must run while the chunk holds the grain: that is its point.
    Task InterruptAsync();

    /// <summary>Resumes a paused task from its checkpoint.</summary>
    [Alias("Resume")]
    Task<TaskCommandResult> ResumeAsync();

    /// <summary>Stops a task that has not ended and releases what it holds.</summary>
    [Alias("Cancel")]
    Task<TaskCommandResult> CancelAsync();

    /// <summary>Starts a scheduled task now instead of at its due time.</summary>
    [Alias("RunNow")]
    Task<TaskCommandResult> RunNowAsync();

    /// <summary>
    /// Called by a due shard when a time this task asked for has come (<paramref name="dueAt"/>): a scheduled task
    /// starts. Idempotent: a call for a time the task no longer waits for does nothing. True when the shard may forget
    /// the entry.
    /// </summary>
    [Alias("Due")]
    Task<bool> DueAsync(DateTimeOffset dueAt);

    /// <summary>Forgets a task that has ended, or one still scheduled.</summary>
    [Alias("Delete")]
    Task<TaskCommandResult> DeleteAsync();

    /// <summary>
    /// Expires the task whole if it ended before <paramref name="endedBefore"/> (docs/adr/020): its children, its files,
    /// the cache entry it computed, then its state. True when the task is gone (or never existed): its history line may
    /// go. False when it is kept: it has not ended (a task that runs never expires) or ended later.
    /// </summary>
    [Alias("Expire")]
    Task<bool> ExpireAsync(DateTimeOffset endedBefore);

    /// <summary>Called by the result cache when the computation this task follows has ended.</summary>
    [Alias("LeaderEnded"), OneWay]
    Task LeaderEndedAsync(CacheAnswer answer);

    /// <summary>Called by the client's slots grain when this waiting task may start (its tier's limit has room).</summary>
    [Alias("SlotGranted"), OneWay]
    Task SlotGrantedAsync();

    /// <summary>
    /// Called at start-up for a task that had not ended, where reminders are kept in memory (the embedded mode,
    /// docs/adr/019): a running or queued task takes its wake-up reminder again and goes on as the reminder would make
    /// it; any other does nothing.
    /// </summary>
    [Alias("Wake")]
    Task WakeAsync();

    /// <summary>
    /// Called by a new task that runs after this one (<paramref name="childId"/>, of <paramref name="client"/>): this task
    /// keeps the child, to tell it of its end, or answers with its end when it has ended. Idempotent.
    /// </summary>
    [Alias("AddChild")]
    Task<ParentAnswer> AddChildAsync(string childId, string client);

    /// <summary>
    /// What <see cref="AddChildAsync"/> answers a child this task keeps already (in its stored state), read without
    /// waiting for the task's turn; null when it does not keep <paramref name="childId"/> yet. A child asks this first:
    /// a parent's turn may be waiting for the child (telling it its end), and a child waiting for that turn in return
    /// would wait for ever.
    /// </summary>
    [Alias("AnswerKeptChild"), AlwaysInterleave]
    Task<ParentAnswer?> AnswerKeptChildAsync(string childId);

    /// <summary>
    /// Called by a task this one runs after (<paramref name="parentId"/>) when it has ended, or is gone before it ended.
    /// At least once: a repeated call changes nothing. Returns once the child has stored what it learnt.
    /// </summary>
    [Alias("ParentEnded")]
    Task ParentEndedAsync(string parentId, ParentEnd end);

    /// <summary>Tells this ended task's children and its webhook of its end, if not done yet (a call to itself after the end is stored).</summary>
    [Alias("SendEndNotices"), OneWay]
    Task SendEndNoticesAsync();
}

/// <summary>How a parent ended, as its children learn it: its final phase, or null when it was deleted or expired before.</summary>
[GenerateSerializer, Immutable, Alias("tasker.ParentEnd")]
public sealed record ParentEnd([property: Id(0)] TaskPhase? Phase, [property: Id(1)] string? ResultJson = null)
{
    public static readonly ParentEnd Gone = new(Phase: null);
}

/// <summary>A parent's answer to a new child.</summary>
[GenerateSerializer, Alias("tasker.ParentAnswerKind")]
public enum ParentAnswerKind
{
    /// <summary>The parent has not ended; it keeps the child and will tell it.</summary>
    Waiting = 0,
    /// <summary>The parent has ended: <see cref="ParentAnswer.End"/> says how.</summary>
    Ended = 1,
    /// <summary>No such task (never was, deleted, or expired).</summary>
    Gone = 2,
    /// <summary>The parent is another client's: a child cannot wait for it.</summary>
    NotYours = 3,
    /// <summary>The parent keeps as many children as it may.</summary>
    TooManyChildren = 4,
}

/// <summary>What a parent answers a new child (<see cref="ITaskGrain.AddChildAsync"/>).</summary>
[GenerateSerializer, Immutable, Alias("tasker.ParentAnswer")]
public sealed record ParentAnswer([property: Id(0)] ParentAnswerKind Kind, [property: Id(1)] ParentEnd? End = null);
