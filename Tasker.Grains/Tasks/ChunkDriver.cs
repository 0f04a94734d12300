using Microsoft.Extensions.Logging;
using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>What the chunk driver uses of its task grain, beyond the task's id and state.</summary>
internal interface IChunkHost : ITaskHost
{
    /// <summary>Handed to the chunk, which may call other grains (a sequence's children).</summary>
    IGrainFactory Grains { get; }

    /// <summary>
    /// Registers the grain timer that runs the driver's ticks (<see cref="TaskSteps.RunNextChunkAsync"/>): only the grain
    /// itself can.
    /// </summary>
    IDisposable RegisterTimer(GrainTimerCreationOptions options);
}

/// <summary>How a chunk's failure is taken (<see cref="ChunkDriver.Classify"/>).</summary>
internal enum ChunkFault
{
    /// <summary>The activation is going away: the checkpoint stands and the next activation goes on from it.</summary>
    Stopping,
    /// <summary>Abandoned for a pause or cancel (docs/adr/024): the chunk's work is dropped, the checkpoint stands.</summary>
    Interrupted,
    /// <summary>A server or silo is away for a moment (<see cref="Storage.Outages"/>): deferred until the reminder.</summary>
    Passing,
    /// <summary>The task is wrong: it ends failed.</summary>
    Failed,
}

/// <summary>
/// The chunk driver of a long task, owned by its <see cref="TaskGrain"/>: a grain timer that runs one chunk per tick
/// within the chunk budget and decides what its outcome does to the task (<see cref="ChunkDecision"/>: a checkpoint, or
/// the end), which the grain applies and commits; a chunk waiting on a call out can be interrupted for a pause or cancel
/// (docs/adr/024). A failure that says a server is away defers the chunk.
/// </summary>
internal sealed class ChunkDriver(IChunkHost host, TaskHandlerRegistry handlers, TimeSpan budget, ILogger logger, TimeProvider clock)
{
    /// <summary>After an interrupt, how long the driver holds off a new call out, so the pause or cancel behind it runs first.</summary>
    public static readonly TimeSpan InterruptHold = TimeSpan.FromSeconds(5);

    // A tick as soon as the last one is done: each runs one chunk within the budget, and calls to the grain run between.
    private static readonly GrainTimerCreationOptions _ticks = new()
    {
        DueTime = TimeSpan.Zero,
        Period = TimeSpan.FromMilliseconds(1),
        KeepAlive = true,
    };

    private IDisposable? _timer;
    // The interruptible chunk in flight (a call out), which Interrupt cancels; and when it last did.
    private CancellationTokenSource? _chunkCancel;
    private long? _interruptedAt;

    private TaskState S => host.State;

    /// <summary>Starts the timer if it is not running; only chunked types run here (a running shell task runs on its agent).</summary>
    public void Start()
    {
        if (!handlers.TryGet(S.Type, out var handler) || handler is not IChunkedTaskHandler)
        {
            return;
        }

        _timer ??= host.RegisterTimer(_ticks);
    }

    public void Stop()
    {
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>Abandons the interruptible chunk in flight, if any; called while that chunk holds the grain.</summary>
    public void Interrupt()
    {
        if (_chunkCancel is { IsCancellationRequested: false } chunk)
        {
            _interruptedAt = clock.GetTimestamp();
            chunk.Cancel();
        }
    }

    /// <summary>Runs the next chunk (a timer's tick) and decides what its outcome does to the task.</summary>
    /// <returns>The decision for the grain to apply, or null when there is none (stopping, interrupted, deferred, or stale).</returns>
    public async Task<ChunkDecision?> NextAsync(CancellationToken stopping)
    {
        if (S.Phase != TaskPhase.Running || !handlers.TryGet(S.Type, out var handler) || handler is not IChunkedTaskHandler chunked)
        {
            Stop();
            return null;
        }

        if (chunked.Interruptible && _interruptedAt is { } interruptedAt && clock.GetElapsedTime(interruptedAt) < InterruptHold)
        {
            return null; // Just interrupted: the pause or cancel that follows goes first, not a new call out.
        }

        var epoch = S.Epoch;
        if (await RunChunkAsync(chunked, stopping) is not { } outcome)
        {
            return null;
        }

        if (S.Phase != TaskPhase.Running || S.Epoch != epoch)
        {
            return null; // Paused or cancelled while this chunk ran: its work is dropped, the checkpoint stands.
        }

        if (outcome.Finished)
        {
            Stop();
        }

        return new ChunkDecision(outcome, clock.GetUtcNow());
    }

    /// <summary>Runs one chunk within the budget, interruptible if its type says so.</summary>
    /// <returns>The chunk's outcome, or null when there is nothing to apply (stopping, interrupted or deferred).</returns>
    private async Task<ChunkOutcome?> RunChunkAsync(IChunkedTaskHandler chunked, CancellationToken stopping)
    {
        using var chunkCancel = chunked.Interruptible ? CancellationTokenSource.CreateLinkedTokenSource(stopping) : null;
        _chunkCancel = chunkCancel;
        try
        {
            var context = new ChunkContext(host.Id, S.Client, S.Priority, S.ParametersJson, S.Checkpoint, budget, host.Grains);
            return await chunked.RunChunkAsync(context, chunkCancel?.Token ?? stopping);
        }
        catch (Exception exception)
        {
            return TakeFault(exception, stopping.IsCancellationRequested, chunkCancel?.IsCancellationRequested == true);
        }
        finally
        {
            _chunkCancel = null;
        }
    }

    /// <summary>Takes a chunk's failure as <see cref="Classify"/> says: the outcome to apply, or null when there is none.</summary>
    private ChunkOutcome? TakeFault(Exception exception, bool stopping, bool interrupted)
    {
        switch (Classify(exception, stopping, interrupted))
        {
            case ChunkFault.Stopping:
                return null;
            case ChunkFault.Interrupted:
                TaskGrainLog.ChunkInterrupted(logger, host.Id, S.Client);
                return null;
            case ChunkFault.Passing:
                // The reminder starts the next try, so a dead server is not hammered.
                TaskGrainLog.ChunkDeferred(logger, host.Id, S.Client, exception.Message);
                Stop();
                return null;
            default:
                TaskGrainLog.Failed(logger, host.Id, S.Client, exception.Message, exception);
                return FailedOutcome(S, exception);
        }
    }

    /// <summary>How a chunk's failure is taken: the order matters, a cancellation is the driver's own before it is a failure.</summary>
    public static ChunkFault Classify(Exception exception, bool stopping, bool interrupted) => exception switch
    {
        OperationCanceledException when stopping => ChunkFault.Stopping,
        OperationCanceledException when interrupted => ChunkFault.Interrupted,
        _ when Storage.Outages.IsOutage(exception) => ChunkFault.Passing,
        _ => ChunkFault.Failed,
    };

    /// <summary>Writes a chunk's outcome into the task: its checkpoint, its progress, and its end once it has one.</summary>
    /// <returns>Whether the task ended.</returns>
    public static bool Apply(TaskState task, ChunkOutcome outcome, DateTimeOffset at)
    {
        task.Checkpoint = outcome.Checkpoint;
        task.Progress = ProgressState.From(outcome.Progress);
        if (!outcome.Finished)
        {
            return false;
        }

        if (outcome.Error is { } error)
        {
            task.Finish(at, TaskPhase.Failed, error: error, code: outcome.ErrorCode);
        }
        else
        {
            task.ResultJson = outcome.ResultJson;
            task.Finish(at, TaskPhase.Succeeded);
        }

        return true;
    }

    /// <summary>The outcome of a chunk that threw: the task ends failed where it stood.</summary>
    public static ChunkOutcome FailedOutcome(TaskState task, Exception exception) =>
        new(task.Checkpoint, task.Progress?.ToProgress() ?? new TaskProgress(0, 0), Error: exception.Message);
}

/// <summary>What a chunk's outcome does to the task: its checkpoint (and history line), or its end, which the cache learns first.</summary>
internal sealed record ChunkDecision(ChunkOutcome Outcome, DateTimeOffset At) : ITaskDecision
{
    private static readonly TaskStep[] _checkpoint = [TaskStep.Change, TaskStep.Commit, TaskStep.RecordProgressLine];

    // The cache learns first, so that anyone who sees this task end also finds its result cached.
    private static readonly TaskStep[] _end =
        [TaskStep.Change, TaskStep.ReportEndToCache, TaskStep.RetryIfAllowed, TaskStep.Commit, TaskStep.ReleaseReminder, TaskStep.AfterPhaseChange];

    public IReadOnlyList<TaskStep> Steps => Outcome.Finished ? _end : _checkpoint;

    public void ApplyTo(TaskState task) => ChunkDriver.Apply(task, Outcome, At);
}
