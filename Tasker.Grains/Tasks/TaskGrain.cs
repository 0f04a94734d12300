using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Storage;
using Tasker.Caching;
using Tasker.Handlers;
using Tasker.Shell;
using Tasker.Storage;

namespace Tasker.Tasks;

/// <summary>
/// One task. Short types finish inside <see cref="SubmitAsync"/> with a single write. Long types run in chunks
/// on a grain timer, write a checkpoint after each chunk, and hold a reminder while running so that a silo's
/// death only delays them: the reminder (or any call) reactivates the grain elsewhere and it goes on from the
/// checkpoint.
/// Placed on the silo that receives the request (prefer-local), so a submission costs no hop between silos.
/// </summary>
[PreferLocalPlacement]
[CollectionAgeLimit(Minutes = 2)] // An idle task's activation goes soon: its state is stored, and ended tasks are many (docs/adr/020).
public sealed partial class TaskGrain(
    [PersistentState(TaskGrain.StateName, TaskerStorage.Name)] IPersistentState<TaskState> state,
    TaskHandlerRegistry handlers,
    InstantTasks instantTasks,
    TaskActivations activations,
    IGrainContext grainContext,
    IOptions<TaskerOptions> options,
    IOptions<ShellOptions> shellOptions,
    Due.IDueStore dueStore,
    TimeProvider clock,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain, IRemindable
{
    /// <summary>The name the task's state is stored under (<see cref="InstantTasks"/> writes it too).</summary>
    public const string StateName = "task";

    private const string WakeReminder = "wake";

    // Counted from construction, before the state is read: the sweep must not change a state an activation may hold.
    private readonly string _activationId = activations.Enter(grainContext.GrainId.Key.ToString());

    private bool _countedRunning;
    private bool _countedQueued;
    private TaskSnapshot? _published;
    private TaskCompletionSource _changed = NewSignal();

    private TaskState S => state.State;

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Exists)
        {
            _published = ToSnapshot();
            if (S.Phase == TaskPhase.Running && !RunsOnAgent) // A running shell task runs on its agent, not here.
            {
                TaskGrainLog.Resumed(logger, Id, S.Client, S.Checkpoint.Position);
                Chunks.Start();
            }

            SyncGauges(active: true);
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Chunks.Stop();
        SyncGauges(active: false);
        activations.Leave(_activationId);
        return Task.CompletedTask;
    }

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

    public Task<TaskSnapshot?> GetAsync()
    {
        if (S.ParentId is not null && S.Phase.IsFinal())
        {
            // A child is made without its grain (InstantTasks) and expires with its parent in storage alone: a read
            // activates it for that read only, so that it never answers from memory once it has expired.
            DeactivateOnIdle();
        }

        return Task.FromResult(_published);
    }

    public async Task<TaskSnapshot?> WatchAsync(long afterVersion, TimeSpan timeout)
    {
        var deadline = clock.GetUtcNow() + timeout;
        while (_published is { } current && current.Version <= afterVersion && !current.Phase.IsFinal())
        {
            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            try
            {
                await _changed.Task.WaitAsync(remaining);
            }
            catch (TimeoutException)
            {
                break;
            }
        }

        return _published;
    }

    public async Task<TaskCommandResult> PauseAsync()
    {
        if (!S.Exists)
        {
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        var transition = TaskLifecycle.Decide(TaskEvent.Pause, S.Phase, RunsOnAgent);
        if (!transition.Legal)
        {
            return Illegal("pause", transition.Refusal!);
        }

        Chunks.Stop();
        S.Phase = transition.Target;
        S.Epoch++;
        await CommitAsync();
        await ReleaseReminderAsync();
        await AfterPhaseChangeAsync();
        TaskGrainLog.Command(logger, Id, S.Client, "paused");
        return new TaskCommandResult(TaskCommandStatus.Done, _published);
    }

    public async Task<TaskCommandResult> ResumeAsync()
    {
        if (!S.Exists)
        {
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        var transition = TaskLifecycle.Decide(TaskEvent.Resume, S.Phase, RunsOnAgent);
        if (!transition.Legal)
        {
            return Illegal("resume", transition.Refusal!);
        }

        await HoldReminderAsync();
        BeginRun(transition.Target);
        await CommitAsync();
        await AfterPhaseChangeAsync();
        TaskGrainLog.Command(logger, Id, S.Client, "resumed");
        return new TaskCommandResult(TaskCommandStatus.Done, _published);
    }

    public async Task<TaskCommandResult> CancelAsync()
    {
        if (!S.Exists)
        {
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        var transition = TaskLifecycle.Decide(TaskEvent.Cancel, S.Phase, RunsOnAgent);
        if (!transition.Legal)
        {
            return Illegal("cancel", transition.Refusal!);
        }

        Chunks.Stop();
        var wasLeading = S.Phase is TaskPhase.Running or TaskPhase.Paused;
        var wasDue = DueTime;
        S.Finish(clock.GetUtcNow(), transition.Target, error: "cancelled on request");
        if (wasLeading)
        {
            await ReportEndToCacheOrDropAsync();
        }

        await CommitAsync();
        await ReleaseWhatTheTaskHeldAsync(wasLeading, wasDue);
        await AfterPhaseChangeAsync();
        TaskGrainLog.Command(logger, Id, S.Client, "cancelled");
        return new TaskCommandResult(TaskCommandStatus.Done, _published);
    }

    /// <summary>After a cancel is committed: gives back its reminder, its agent's command, its run's hold and its due entry.</summary>
    private async Task ReleaseWhatTheTaskHeldAsync(bool wasLeading, DateTimeOffset? wasDue)
    {
        await ReleaseReminderAsync();
        if (RunsOnAgent)
        {
            await ShellQueue().ForgetAsync(Id); // The agent hears of it at its next heartbeat and kills the command.
        }

        if (wasLeading && handlers.Get(S.Type) is IChunkedTaskHandler chunked)
        {
            await chunked.ReleaseAsync(Id);
        }

        await ForgetDueAsync(wasDue);
    }

    public async Task<TaskCommandResult> DeleteAsync()
    {
        if (!S.Exists)
        {
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        if (TaskLifecycle.Decide(TaskEvent.Delete, S.Phase, RunsOnAgent) is { Legal: false } refused)
        {
            return Illegal("delete", refused.Refusal!);
        }

        await TellChildrenBeforeGoingAsync();
        var client = S.Client;
        var isChild = S.ParentId is not null;
        var last = _published;
        var wasDue = DueTime;
        var noticesDue = S.EndNoticesDueAt;
        await state.ClearAndDropAsync(this);
        _published = null;
        Signal();
        if (!isChild)
        {
            await GrainFactory.GetGrain<IClientGrain>(client).ForgetAsync(Id);
        }

        await ForgetDueAsync(wasDue);
        await ForgetDueAsync(noticesDue);
        TaskGrainLog.Command(logger, Id, client, "deleted");
        return new TaskCommandResult(TaskCommandStatus.Done, last);
    }

    public async Task<bool> ExpireAsync(DateTimeOffset endedBefore)
    {
        if (!S.Exists)
        {
            DeactivateOnIdle();
            return true;
        }

        if (TaskLifecycle.ExpiringEnd(S, RunsOnAgent, endedBefore) is not { } finishedAt)
        {
            return false; // A task that has not ended never expires.
        }

        if (await KeptByChildrenAsync())
        {
            return false; // A task that runs after it has not ended: it may still need to learn of this one.
        }

        // What lives outside the state goes first, and nothing here changes the state: if any of it fails, the task
        // stays whole in memory and storage (docs/adr/014) and the next sweep does it all again.
        await ExpireOutsideStateAsync(finishedAt);
        var (client, phase) = (S.Client, S.Phase);
        await state.ClearAndDropAsync(this);
        _published = null;
        Signal();
        SyncGauges(active: false);
        TaskGrainLog.Expired(logger, Id, client, phase.ToWire());
        return true;
    }

    /// <summary>Expires what the task made outside its state: its type's own data and its cache entry.</summary>
    private async Task ExpireOutsideStateAsync(DateTimeOffset finishedAt)
    {
        if (!handlers.TryGet(S.Type, out var handler))
        {
            return;
        }

        if (handler is IChunkedTaskHandler chunked)
        {
            await chunked.ExpireAsync(new ExpiringTask(Id, S.ParametersJson, finishedAt));
        }

        if (handler.Cacheable && S.ParentId is null && !S.Cached)
        {
            // The cache entry this task's computation made goes with it (a hit made none).
            await (handler is IInstantTaskHandler
                ? instantTasks.ExpireCacheEntryAsync(S.Type, S.ParametersJson, S.Client, finishedAt)
                : Cache.ExpireEntryAsync());
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        switch (S)
        {
            case { Exists: true, Phase: TaskPhase.Running }:
                Chunks.Start();
                break;
            case { Exists: true, Phase: TaskPhase.Queued, LeaderId: not null }:
                await RejoinCacheAsync();
                break;
            case { Exists: true, Phase: TaskPhase.Queued, Slot: SlotClaim.Waiting }:
                await SlotGrantedAsync(); // Asks again: a grant notice may have been lost.
                break;
            case { Exists: true, ParentId: null } when S.Phase.IsFinal():
                // Held on after the end because the final history line failed (AfterPhaseChangeAsync): write it again,
                // and keep the reminder until it is written, so that the history converges to the task's end.
                await RecordHistoryAsync();
                await ReleaseReminderAsync();
                break;
            default:
                await ReleaseReminderAsync();
                break;
        }
    }

    public async Task WakeAsync()
    {
        if (S is { Exists: true, Phase: TaskPhase.Running or TaskPhase.Queued })
        {
            // The reminder was in memory and went with the last process: hold it again, then act as it would have.
            // A queued task that needed none (a shell task waiting for an agent) gives it back at once.
            await HoldReminderAsync();
            await ReceiveReminder(WakeReminder, default);
        }
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

    /// <summary>
    /// Writes the state, then publishes it to readers and watchers (never the other way round). When the write
    /// fails, this activation's state can no longer be trusted (an ETag conflict means another activation of this
    /// task committed): it stops and deactivates, and the next call or reminder reads the stored state afresh.
    /// <paramref name="visible"/> false for bookkeeping no view shows (the end's notices sent): the version stays, so
    /// watchers see no change and a webhook's copy of the task stays the task as it is read.
    /// </summary>
    private async Task CommitAsync(bool visible = true)
    {
        await ArmEndNoticesAsync();
        if (visible)
        {
            S.Version++;
        }

        await state.WriteOrDropAsync(Drop);

        _published = ToSnapshot();
        Signal();
        TellShardOfDueEntry();
        SendEndNoticesSoon();
        if (S.Phase == TaskPhase.Running)
        {
            Chunks.Start();
        }

        SyncGauges(active: true);
    }

    /// <summary>Keeps this activation's contribution to the running and queued gauges in step with its phase.</summary>
    private void SyncGauges(bool active)
    {
        var running = active && S.Exists && S.Phase == TaskPhase.Running;
        var queued = active && S.Exists && S.Phase == TaskPhase.Queued;
        if (running != _countedRunning)
        {
            TaskMetrics.Running(S.Type, running ? 1 : -1);
            _countedRunning = running;
        }

        if (queued != _countedQueued)
        {
            TaskMetrics.Queued(S.Type, queued ? 1 : -1);
            _countedQueued = queued;
        }
    }

    private async Task HoldReminderAsync() =>
        await this.RegisterOrUpdateReminder(WakeReminder, options.Value.ReminderPeriod, options.Value.ReminderPeriod);

    private async Task ReleaseReminderAsync()
    {
        if (await this.GetReminder(WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private TaskCommandResult Illegal(string command, string why) =>
        new(TaskCommandStatus.IllegalTransition, _published, $"Cannot {command} task {Id}: it is {S.Phase.ToWire()}, and {why}.");

    private void Signal()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TaskSnapshot ToSnapshot() => S.ToSnapshot(Id);
}
