using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Storage;
using Tasker.Caching;
using Tasker.Handlers;
using Tasker.Shell;

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
    IOptions<TaskerOptions> options,
    IOptions<ShellOptions> shellOptions,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain, IRemindable
{
    /// <summary>The name the task's state is stored under (<see cref="InstantTasks"/> writes it too).</summary>
    public const string StateName = "task";

    private const string WakeReminder = "wake";

    // A running task's history line shows its progress, refreshed no more often than this (docs/adr/017).
    private static readonly TimeSpan _progressLineEvery = TimeSpan.FromSeconds(1);

    private IGrainTimer? _driver;
    private bool _countedRunning;
    private bool _countedQueued;
    private TaskSnapshot? _published;
    private TaskCompletionSource _changed = NewSignal();
    private long _progressLineAt;

    // The interruptible chunk in flight (a call out), which InterruptAsync cancels; and when it last did, so that the
    // driver holds off a new call until the pause or cancel behind it has run.
    private CancellationTokenSource? _chunkCancel;
    private long _interruptedAt;
    private static readonly TimeSpan _interruptHold = TimeSpan.FromSeconds(5);

    private TaskState S => state.State;

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Exists)
        {
            _published = ToSnapshot();
            if (S.Phase == TaskPhase.Running && !IsShell) // A running shell task runs on its agent, not here.
            {
                TaskGrainLog.Resumed(logger, Id, S.Client, S.Checkpoint.Position);
                StartDriver();
            }

            SyncGauges(active: true);
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        StopDriver();
        SyncGauges(active: false);
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
        state.State = TaskState.Accept(submission);
        try
        {
            await AcceptAsync(handler, submission);
        }
        catch (InconsistentStateException)
        {
            // Another activation accepted this id first (a retried submission racing itself): answer with its task.
            // This activation is on its way out, but calls already queued here still read _published.
            await state.ReadStateAsync();
            _published = S.Exists ? ToSnapshot() : throw new InvalidOperationException($"Task {Id} could not be stored.");
            return _published;
        }
        catch
        {
            // Nothing was stored (a grain it needed, the reminders or the storage failed): a retry starts afresh.
            state.State = new TaskState();
            throw;
        }

        // Not swallowed here: a submission is acknowledged only once it is in its client's history too.
        await RecordHistoryAsync();
        TaskEvents.Accepted(logger, Id, S);
        return _published!;
    }

    /// <summary>Runs or queues a just accepted task as its type asks, and stores it.</summary>
    private async Task AcceptAsync(ITaskHandler handler, TaskSubmission submission)
    {
        // Children of a sequence are part of their parent's computation, which the cache already covers.
        switch (handler)
        {
            case IInstantTaskHandler instant:
                await instantTasks.RunAsync(Id, S, instant);
                break;
            case IChunkedTaskHandler when handler.Cacheable && submission.ParentId is null:
                await JoinCacheAsync();
                break;
            case ShellHandler:
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
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (_published is { } current && current.Version <= afterVersion && !current.Phase.IsFinal())
        {
            var remaining = deadline - DateTimeOffset.UtcNow;
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

        if (TaskLifecycle.Decide(TaskEvent.Pause, S.Phase, IsShell) is { Legal: false } refused)
        {
            return Illegal("pause", refused.Refusal!);
        }

        StopDriver();
        S.Phase = TaskPhase.Paused;
        S.Epoch++;
        await CommitAsync();
        await ReleaseReminderAsync();
        await AfterPhaseChangeAsync();
        TaskGrainLog.Command(logger, Id, S.Client, "paused");
        return new TaskCommandResult(TaskCommandStatus.Done, _published);
    }

    public Task InterruptAsync()
    {
        if (_chunkCancel is { IsCancellationRequested: false } chunk)
        {
            _interruptedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            chunk.Cancel();
        }

        return Task.CompletedTask;
    }

    public async Task<TaskCommandResult> ResumeAsync()
    {
        if (!S.Exists)
        {
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        if (TaskLifecycle.Decide(TaskEvent.Resume, S.Phase, IsShell) is { Legal: false } refused)
        {
            return Illegal("resume", refused.Refusal!);
        }

        await HoldReminderAsync();
        BeginRun();
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

        if (TaskLifecycle.Decide(TaskEvent.Cancel, S.Phase, IsShell) is { Legal: false } refused)
        {
            return Illegal("cancel", refused.Refusal!);
        }

        StopDriver();
        var wasLeading = S.Phase is TaskPhase.Running or TaskPhase.Paused;
        S.Finish(TaskPhase.Cancelled, error: "cancelled on request");
        if (wasLeading)
        {
            await ReportToCacheOrDropAsync();
        }

        await CommitAsync();
        await ReleaseReminderAsync();
        if (IsShell)
        {
            await ShellQueue().ForgetAsync(Id); // The agent hears of it at its next heartbeat and kills the command.
        }

        if (wasLeading && handlers.Get(S.Type) is IChunkedTaskHandler chunked)
        {
            await chunked.ReleaseAsync(Id);
        }

        await AfterPhaseChangeAsync();
        TaskGrainLog.Command(logger, Id, S.Client, "cancelled");
        return new TaskCommandResult(TaskCommandStatus.Done, _published);
    }

    public async Task<TaskCommandResult> DeleteAsync()
    {
        if (!S.Exists)
        {
            return new TaskCommandResult(TaskCommandStatus.NotFound, null);
        }

        if (TaskLifecycle.Decide(TaskEvent.Delete, S.Phase, IsShell) is { Legal: false } refused)
        {
            return Illegal("delete", refused.Refusal!);
        }

        var client = S.Client;
        var isChild = S.ParentId is not null;
        var last = _published;
        await state.ClearStateAsync();
        state.State = new TaskState();
        _published = null;
        Signal();
        if (!isChild)
        {
            await GrainFactory.GetGrain<IClientGrain>(client).ForgetAsync(Id);
        }

        TaskGrainLog.Command(logger, Id, client, "deleted");
        DeactivateOnIdle();
        return new TaskCommandResult(TaskCommandStatus.Done, last);
    }

    public async Task<bool> ExpireAsync(DateTimeOffset endedBefore)
    {
        if (!S.Exists)
        {
            DeactivateOnIdle();
            return true;
        }

        if (!TaskLifecycle.Decide(TaskEvent.Expire, S.Phase, IsShell).Legal || S.FinishedAt is not { } finishedAt || finishedAt >= endedBefore)
        {
            return false; // A task that has not ended never expires.
        }

        // What lives outside the state goes first, and nothing here changes the state: if any of it fails, the task
        // stays whole in memory and storage (docs/adr/014) and the next sweep does it all again.
        if (handlers.TryGet(S.Type, out var handler))
        {
            if (handler is IChunkedTaskHandler chunked)
            {
                await chunked.ExpireAsync(new ExpiringTask(Id, S.ParametersJson, finishedAt));
            }

            if (handler.Cacheable && S.ParentId is null && !S.Cached)
            {
                // The cache entry this task's computation made goes with it (a hit made none).
                await (handler is IInstantTaskHandler
                    ? GrainFactory.GetGrain<IShortResultCacheGrain>(ResultCacheKey.ShortPartition(S.Type, S.ParametersJson))
                        .ExpireAsync(S.Type, S.ParametersJson, finishedAt)
                    : ResultCache().ExpireAsync(Id));
            }
        }

        var (client, phase) = (S.Client, S.Phase);
        try
        {
            await state.ClearStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }

        state.State = new TaskState();
        _published = null;
        Signal();
        SyncGauges(active: false);
        DeactivateOnIdle();
        TaskGrainLog.Expired(logger, Id, client, phase.ToWire());
        return true;
    }

    public async Task LeaderEndedAsync(CacheAnswer answer)
    {
        if (S.Exists && S.Phase == TaskPhase.Queued && S.LeaderId is not null)
        {
            // A leader that failed or was cancelled does not decide for its followers: one of them leads next.
            await SettleFollowerAsync(answer.Status == CacheLookupStatus.Failed
                ? await ResultCache().JoinAsync(S.Type, S.ParametersJson, Id)
                : answer);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        switch (S)
        {
            case { Exists: true, Phase: TaskPhase.Running }:
                StartDriver();
                break;
            case { Exists: true, Phase: TaskPhase.Queued, LeaderId: not null }:
                await SettleFollowerAsync(await ResultCache().JoinAsync(S.Type, S.ParametersJson, Id));
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

    private async Task RunChunkAsync(CancellationToken cancellationToken)
    {
        if (S.Phase != TaskPhase.Running || !handlers.TryGet(S.Type, out var handler) || handler is not IChunkedTaskHandler chunked)
        {
            StopDriver();
            return;
        }

        if (chunked.Interruptible && System.Diagnostics.Stopwatch.GetElapsedTime(_interruptedAt) < _interruptHold)
        {
            return; // Just interrupted: the pause or cancel that follows goes first, not a new call out.
        }

        var epoch = S.Epoch;
        ChunkOutcome outcome;
        using var chunkCancel = chunked.Interruptible ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        _chunkCancel = chunkCancel;
        try
        {
            var context = new ChunkContext(Id, S.Client, S.Priority, S.ParametersJson, S.Checkpoint, options.Value.ChunkBudget, GrainFactory);
            outcome = await chunked.RunChunkAsync(context, chunkCancel?.Token ?? cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return; // The activation is going away; the checkpoint stands and the next activation goes on from it.
        }
        catch (OperationCanceledException) when (chunkCancel?.IsCancellationRequested == true)
        {
            TaskGrainLog.ChunkInterrupted(logger, Id, S.Client);
            return; // Interrupted for a pause or cancel: the chunk's work is dropped, the checkpoint stands.
        }
        catch (Exception exception) when (PassingFailures.Is(exception))
        {
            // The database or the network is away for a moment: that is no reason to fail the task. The checkpoint
            // stands; the reminder starts the next try, so a dead server is not hammered.
            TaskGrainLog.ChunkDeferred(logger, Id, S.Client, exception.Message);
            StopDriver();
            return;
        }
        catch (Exception exception)
        {
            TaskGrainLog.Failed(logger, Id, S.Client, exception.Message, exception);
            outcome = new ChunkOutcome(S.Checkpoint, S.Progress?.ToProgress() ?? new TaskProgress(0, 0), Error: exception.Message);
        }
        finally
        {
            _chunkCancel = null;
        }

        if (S.Phase != TaskPhase.Running || S.Epoch != epoch)
        {
            return; // Paused or cancelled while this chunk ran: its work is dropped, the checkpoint stands.
        }

        S.Checkpoint = outcome.Checkpoint;
        S.Progress = ProgressState.From(outcome.Progress);
        try
        {
            await CompleteChunkAsync(outcome);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // CommitAsync has dropped this activation; the reminder brings the task back from its last stored checkpoint.
            TaskGrainLog.CommitFailed(logger, Id, S.Client, exception);
        }
    }

    private async Task CompleteChunkAsync(ChunkOutcome outcome)
    {
        if (!outcome.Finished)
        {
            await CommitAsync();
            await RecordProgressLineAsync();
            return;
        }

        StopDriver();
        if (outcome.Error is { } error)
        {
            S.Finish(TaskPhase.Failed, error: error);
        }
        else
        {
            S.ResultJson = outcome.ResultJson;
            S.Finish(TaskPhase.Succeeded);
        }

        // The cache learns first, so that anyone who sees this task end also finds its result cached.
        await ReportToCacheOrDropAsync();
        await CommitAsync();
        await ReleaseReminderAsync();
        await AfterPhaseChangeAsync();
    }

    private async Task JoinCacheAsync()
    {
        var answer = await ResultCache().JoinAsync(S.Type, S.ParametersJson, Id);
        if (answer.Status == CacheLookupStatus.Follow)
        {
            S.LeaderId = answer.LeaderId;
            await HoldReminderAsync(); // Re-asks the cache if the leader's word never arrives.
            return;
        }

        if (answer.Status == CacheLookupStatus.Lead)
        {
            await BeginRunInSlotAsync();
            return;
        }

        Apply(answer);
    }

    private async Task SettleFollowerAsync(CacheAnswer answer)
    {
        switch (answer.Status)
        {
            case CacheLookupStatus.Follow:
                S.LeaderId = answer.LeaderId;
                await CommitAsync();
                return;
            case CacheLookupStatus.Lead:
                await HoldReminderAsync();
                S.LeaderId = null;
                await BeginRunInSlotAsync();
                await CommitAsync();
                break;
            default:
                S.LeaderId = null;
                Apply(answer);
                await CommitAsync();
                await ReleaseReminderAsync();
                break;
        }

        await AfterPhaseChangeAsync();
    }

    /// <summary>Applies a final answer of the result cache to this task.</summary>
    private void Apply(CacheAnswer answer)
    {
        S.StartedAt ??= DateTimeOffset.UtcNow;
        if (answer.Status is CacheLookupStatus.Hit or CacheLookupStatus.Computed)
        {
            S.ResultJson = answer.ResultJson;
            S.Cached = answer.Status == CacheLookupStatus.Hit;
            S.Progress = handlers.Get(S.Type) is IChunkedTaskHandler chunked && chunked.Plan(S.ParametersJson) is { } plan
                ? new ProgressState(plan.Total, plan.Total)
                : null;
            S.Finish(TaskPhase.Succeeded);
        }
        else
        {
            S.Finish(TaskPhase.Failed, error: answer.Error ?? "the computation failed");
        }
    }

    /// <summary>Starts (or restarts) a run; the driver is started when the state is committed.</summary>
    private void BeginRun()
    {
        S.Phase = TaskPhase.Running;
        S.StartedAt ??= DateTimeOffset.UtcNow;
        S.Epoch++;
        S.Progress ??= handlers.Get(S.Type) is IChunkedTaskHandler chunked ? ProgressState.From(chunked.Plan(S.ParametersJson)) : null;
    }

    /// <summary>
    /// Writes the state, then publishes it to readers and watchers (never the other way round). When the write
    /// fails, this activation's state can no longer be trusted (an ETag conflict means another activation of this
    /// task committed): it stops and deactivates, and the next call or reminder reads the stored state afresh.
    /// </summary>
    private async Task CommitAsync()
    {
        S.Version++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            StopDriver();
            DeactivateOnIdle();
            throw;
        }

        _published = ToSnapshot();
        Signal();
        if (S.Phase == TaskPhase.Running)
        {
            StartDriver();
        }

        SyncGauges(active: true);
    }

    /// <summary>Updates the client's history after a phase change; a failure is logged, not allowed to fail the task.</summary>
    private async Task AfterPhaseChangeAsync()
    {
        await ReleaseSlotIfEndedAsync();
        try
        {
            await RecordHistoryAsync();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The task itself is committed; its history line keeps its previous status until the reminder, held for
            // this, writes it again (ReceiveReminder): the history converges to the end the task reached.
            TaskGrainLog.HistoryFailed(logger, Id, S.Client, exception);
            if (S.Phase.IsFinal())
            {
                await HoldReminderForHistoryAsync();
            }
        }

        TaskEvents.Ended(logger, Id, S);
    }

    /// <summary>Refreshes the running task's history line with its progress, at most once a second; best effort.</summary>
    private async Task RecordProgressLineAsync()
    {
        if (S.ParentId is not null || System.Diagnostics.Stopwatch.GetElapsedTime(_progressLineAt) < _progressLineEvery)
        {
            return;
        }

        _progressLineAt = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await RecordHistoryAsync();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            TaskGrainLog.HistoryFailed(logger, Id, S.Client, exception); // The next chunk's line will carry it.
        }
    }

    private async Task RecordHistoryAsync()
    {
        if (S.ParentId is null)
        {
            // Children are not listed in the client's history; their parent is.
            await GrainFactory.GetGrain<IClientGrain>(S.Client).RecordAsync(S.ToHistoryEntry(Id));
        }
    }

    /// <summary>
    /// Reports to the cache between a change of state and its commit. If the report fails, this activation's state is
    /// ahead of storage: the activation is dropped, so the next call or reminder reads the stored state again
    /// (docs/adr/014), instead of living on with a change that storage never saw.
    /// </summary>
    private async Task ReportToCacheOrDropAsync()
    {
        try
        {
            await ReportToCacheAsync();
        }
        catch
        {
            StopDriver();
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task ReportToCacheAsync()
    {
        if (!handlers.Get(S.Type).Cacheable || S.ParentId is not null)
        {
            return;
        }

        var outcome = S.Phase == TaskPhase.Succeeded
            ? new CacheAnswer(CacheLookupStatus.Computed, S.ResultJson)
            : new CacheAnswer(CacheLookupStatus.Failed, Error: S.Error);
        await ResultCache().CompleteAsync(Id, outcome);
    }

    private IResultCacheGrain ResultCache() =>
        GrainFactory.GetGrain<IResultCacheGrain>(ResultCacheKey.For(S.Type, S.ParametersJson));

    private void StartDriver()
    {
        if (!handlers.TryGet(S.Type, out var handler) || handler is not IChunkedTaskHandler)
        {
            return; // Only chunked types run here; a running shell task runs on its agent.
        }

        _driver ??= this.RegisterGrainTimer(RunChunkAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = TimeSpan.FromMilliseconds(1),
            KeepAlive = true,
        });
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

    private void StopDriver()
    {
        _driver?.Dispose();
        _driver = null;
    }

    private async Task HoldReminderAsync() =>
        await this.RegisterOrUpdateReminder(WakeReminder, options.Value.ReminderPeriod, options.Value.ReminderPeriod);

    private async Task HoldReminderForHistoryAsync()
    {
        try
        {
            await HoldReminderAsync();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Both stores are away: the line stays behind until the task is touched again (a read does not rewrite it).
            TaskGrainLog.HistoryFailed(logger, Id, S.Client, exception);
        }
    }

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
