using Microsoft.Extensions.Logging;

namespace Tasker.Tasks;

/// <summary>
/// One piece of the work that follows a decision of a part of <see cref="TaskGrain"/>, in the order the decision lists
/// them: the order is the rule (a reminder held before the run is committed, the cache told before the end is).
/// </summary>
internal enum TaskStep
{
    /// <summary>The decision changes the task's state (<see cref="ITaskDecision.ApplyTo"/>), in memory only.</summary>
    Change,
    HoldReminder,
    /// <summary>Starts the run if the client's slots allow it; otherwise the task stays queued, waiting for one.</summary>
    BeginRunInSlot,
    /// <summary>Tells the result cache how the task ended, before the end is committed; a failure drops the activation.</summary>
    ReportEndToCache,
    /// <summary>After a failed end, before it is committed: makes the task wait for another attempt if its policy allows.</summary>
    RetryIfAllowed,
    Commit,
    ReleaseReminder,
    /// <summary>Gives back a slot the ended task held and writes its history line.</summary>
    AfterPhaseChange,
    /// <summary>Refreshes the running task's history line with its progress; best effort.</summary>
    RecordProgressLine,
}

/// <summary>What a part of <see cref="TaskGrain"/> decided: how it changes the task, and the steps that follow, in order.</summary>
internal interface ITaskDecision
{
    IReadOnlyList<TaskStep> Steps { get; }

    /// <summary>Changes the task as decided (the <see cref="TaskStep.Change"/> step).</summary>
    void ApplyTo(TaskState task);
}

/// <summary>The grain's own work that a decision's steps name: a commit, a reminder, the cache report and the history line are the grain's (docs/adr/014).</summary>
internal interface ITaskEffects : ITaskHost
{
    Task HoldReminderAsync();

    Task BeginRunInSlotAsync();

    Task ReportEndToCacheAsync();

    Task<bool> RetryIfAllowedAsync();

    /// <summary>Writes the state, then publishes it; a failed write drops the activation and rethrows.</summary>
    Task CommitAsync();

    Task ReleaseReminderAsync();

    /// <summary>Never throws for the history.</summary>
    Task AfterPhaseChangeAsync();

    Task RecordProgressLineAsync();

    /// <summary>Stops the driver and drops the activation, whose state is ahead of storage (docs/adr/014).</summary>
    void Drop();
}

/// <summary>
/// The one place where a part's decision is applied to the task and committed: its parts (<see cref="ChunkDriver"/>,
/// <see cref="CacheParticipation"/>) decide and never call back into the grain; <see cref="TaskGrain"/> runs their
/// decisions here.
/// </summary>
internal static class TaskSteps
{
    /// <summary>
    /// Runs the decision's steps in order. A step that fails while memory holds a change not yet committed drops the
    /// activation (docs/adr/014), whichever step it is: the commit and the cache report drop it themselves.
    /// </summary>
    public static async Task RunAsync(ITaskDecision decision, ITaskEffects effects)
    {
        var ahead = false;
        foreach (var step in decision.Steps)
        {
            try
            {
                await RunAsync(step, decision, effects.State, effects);
            }
            catch when (ahead && step is not (TaskStep.Commit or TaskStep.ReportEndToCache))
            {
                effects.Drop();
                throw;
            }

            ahead = step is TaskStep.Change or TaskStep.BeginRunInSlot or TaskStep.RetryIfAllowed || (ahead && step != TaskStep.Commit);
        }
    }

    /// <summary>A tick of the chunk timer: the driver runs the next chunk and decides, and its decision is applied here.</summary>
    public static async Task RunNextChunkAsync(ChunkDriver chunks, ITaskEffects effects, ILogger logger, CancellationToken stopping)
    {
        if (await chunks.NextAsync(stopping) is not { } decision)
        {
            return;
        }

        try
        {
            await RunAsync(decision, effects);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The commit or the report has dropped this activation; the reminder brings the task back from its last
            // stored checkpoint.
            TaskGrainLog.CommitFailed(logger, effects.Id, effects.State.Client, exception);
        }
    }

    /// <summary>
    /// Reports the end to the cache between a change of state and its commit. If the report fails, the activation's state
    /// is ahead of storage: the activation is dropped, so the next call or reminder reads the stored state again
    /// (docs/adr/014), instead of living on with a change that storage never saw.
    /// </summary>
    public static async Task ReportEndToCacheOrDropAsync(ITaskEffects effects)
    {
        try
        {
            await effects.ReportEndToCacheAsync();
        }
        catch
        {
            effects.Drop();
            throw;
        }
    }

    private static async Task RunAsync(TaskStep step, ITaskDecision decision, TaskState task, ITaskEffects effects)
    {
        switch (step)
        {
            case TaskStep.Change:
                decision.ApplyTo(task);
                break;
            case TaskStep.HoldReminder:
                await effects.HoldReminderAsync();
                break;
            case TaskStep.BeginRunInSlot:
                await effects.BeginRunInSlotAsync();
                break;
            case TaskStep.ReportEndToCache:
                await ReportEndToCacheOrDropAsync(effects);
                break;
            case TaskStep.RetryIfAllowed:
                await effects.RetryIfAllowedAsync();
                break;
            case TaskStep.Commit:
                await effects.CommitAsync();
                break;
            case TaskStep.ReleaseReminder:
                await effects.ReleaseReminderAsync();
                break;
            case TaskStep.AfterPhaseChange:
                await effects.AfterPhaseChangeAsync();
                break;
            case TaskStep.RecordProgressLine:
                await effects.RecordProgressLineAsync();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, "not a task step");
        }
    }
}
