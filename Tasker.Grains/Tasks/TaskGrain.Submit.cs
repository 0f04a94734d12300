using Orleans.Storage;
using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>
/// A submission: the caller's right to it, then the task accepted and stored as its type and its time ask: run at once
/// (a short type ends here, with one write), queued, scheduled, or waiting for its parents.
/// </summary>
public sealed partial class TaskGrain
{
    public async Task<TaskSnapshot> SubmitAsync(TaskSubmission submission)
    {
        if (S.Exists)
        {
            // A retried submission: make sure the first attempt's history line exists (it may have failed after the commit).
            await RecordHistoryAsync();
            return _published!;
        }

        var handler = handlers.Get(submission.Type);
        RefuseIfNotAllowed(handler, submission);
        state.State = TaskState.Accept(submission, clock.GetUtcNow());
        if (!await StoreAcceptedAsync(handler, submission))
        {
            return _published!;
        }

        // Not swallowed here: a submission is acknowledged only once it is in its client's history too.
        await RecordHistoryAsync();
        TaskEvents.Accepted(logger, Id, S);
        if (S.Phase is TaskPhase.Scheduled or TaskPhase.Waiting)
        {
            DeactivateOnIdle(); // A scheduled or waiting task costs its stored row, not an activation.
        }

        return _published!;
    }

    /// <summary>Throws when the caller may not submit for the submission's client, or its shell task is refused.</summary>
    private void RefuseIfNotAllowed(ITaskHandler handler, TaskSubmission submission)
    {
        if (Caller.Current is { } caller && !caller.MayAccess(submission.Client))
        {
            throw new SubmissionRefusedException($"user '{caller.Name}' may not submit tasks for client '{submission.Client}'");
        }

        if (handler is IAgentTaskHandler && RefuseAgentTask(submission) is { } refusal)
        {
            throw new SubmissionRefusedException(refusal);
        }
    }

    /// <summary>Accepts and stores the task just put in the state.</summary>
    /// <returns>False when another activation accepted this id first: <see cref="_published"/> then holds its task.</returns>
    private async Task<bool> StoreAcceptedAsync(ITaskHandler handler, TaskSubmission submission)
    {
        try
        {
            await AcceptAsync(handler, submission);
            return true;
        }
        catch (InconsistentStateException)
        {
            // Another activation accepted this id first (a retried submission racing itself): answer with its task.
            // This activation is on its way out, but calls already queued here still read _published.
            await state.ReadStateAsync();
            _storedChildren = S.Children.Count;
            _published = S.Exists ? ToSnapshot() : throw new InvalidOperationException($"Task {Id} could not be stored.");
            return false;
        }
        catch
        {
            // Nothing was stored (a grain it needed, the reminders or the storage failed): a retry starts afresh.
            state.State = new TaskState();
            throw;
        }
    }

    /// <summary>Runs, queues or schedules a just accepted task as its type and its time ask, and stores it.</summary>
    private async Task AcceptAsync(ITaskHandler handler, TaskSubmission submission)
    {
        if (S.After is not null)
        {
            await AcceptAfterParentsAsync(handler); // Its time, if any, counts once its parents have ended.
            return;
        }

        if (submission.RunAt is { } runAt && runAt > clock.GetUtcNow())
        {
            await ScheduleAsync(runAt);
            await CommitAsync();
            return;
        }

        await StartAsync(handler);
    }

    /// <summary>Runs or queues a queued task as its type asks, and stores it.</summary>
    private async Task StartAsync(ITaskHandler handler)
    {
        // Children of a sequence are part of their parent's computation, which the cache already covers.
        switch (handler)
        {
            case IInstantTaskHandler instant:
                await instantTasks.RunAsync(Id, S, instant);
                await RetryIfAllowedAsync();
                break;
            case IChunkedTaskHandler when handler.Cacheable && S.ParentId is null:
                await JoinCacheAsync();
                break;
            case IFanInTaskHandler fanIn:
                RunFanIn(fanIn);
                await RetryIfAllowedAsync();
                break;
            case IAgentTaskHandler:
                await EnqueueShellAsync(); // Queued until an agent picks it; never run in a silo.
                break;
            default:
                await BeginRunInSlotAsync();
                break;
        }

        if (S.Phase == TaskPhase.Running || S.Slot == SlotClaim.Waiting)
        {
            await HoldReminderAsync(); // Before the first write: a task is never stored running without its wake-up.
        }

        await CommitAsync();
    }

    /// <summary>Starts (or restarts) a run; the driver is started when the state is committed.</summary>
    /// <param name="running">The phase a run is in (a resume passes the one its transition leads to).</param>
    private void BeginRun(TaskPhase running = TaskPhase.Running)
    {
        S.Phase = running;
        S.StartedAt ??= clock.GetUtcNow();
        S.Epoch++;
        S.Progress ??= handlers.Get(S.Type) is IChunkedTaskHandler chunked ? ProgressState.From(chunked.Plan(S.ParametersJson)) : null;
    }
}
