using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>
/// The chunk driver of a long task: a grain timer that runs one chunk per tick within the chunk budget, commits
/// its checkpoint, and ends the task with its outcome; a chunk waiting on a call out can be interrupted for a pause or
/// cancel (docs/adr/024). A failure that says a server is away defers the chunk (<see cref="PassingFailures"/>).
/// </summary>
public sealed partial class TaskGrain
{
    private IGrainTimer? _driver;
    // The interruptible chunk in flight (a call out), which InterruptAsync cancels; and when it last did, so that the
    // driver holds off a new call until the pause or cancel behind it has run.
    private CancellationTokenSource? _chunkCancel;
    private long _interruptedAt;
    private static readonly TimeSpan _interruptHold = TimeSpan.FromSeconds(5);

    public Task InterruptAsync()
    {
        if (_chunkCancel is { IsCancellationRequested: false } chunk)
        {
            _interruptedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            chunk.Cancel();
        }

        return Task.CompletedTask;
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

    private void StopDriver()
    {
        _driver?.Dispose();
        _driver = null;
    }
}
