using Tasker.Due;
using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>
/// Attempts (docs/adr/034): a failed attempt, when the task's retry policy allows another, makes the task wait for the
/// next one as a scheduled task (its due shard starts it; nothing is held meanwhile); an attempt that runs past the task's
/// timeout is stopped by its due entry and ends <c>cancelled</c> with the code <c>timeout</c>, then is retried likewise.
/// </summary>
public sealed partial class TaskGrain
{
    // An attempt's error as kept among the failed attempts: enough to read, bounded so the state stays small.
    private const int MaxAttemptErrorLength = 1_000;

    /// <summary>
    /// After an attempt has ended failed (or timed out), and before that is committed: when the policy allows another
    /// attempt, the task waits for it instead of ending. Its due entry is stored first, as for any scheduled task.
    /// </summary>
    /// <returns>Whether the task now waits for another attempt.</returns>
    private async Task<bool> RetryIfAllowedAsync()
    {
        var timedOut = S.Phase == TaskPhase.Cancelled && S.ErrorCode == TaskErrorCodes.Timeout;
        if ((S.Phase != TaskPhase.Failed && !timedOut) || TaskErrorCodes.IsPermanent(S.ErrorCode)
            || S.Retry is not { } retry || Math.Max(1, S.Attempt) >= retry.MaxAttempts)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        var next = Math.Max(1, S.Attempt) + 1;
        var at = DueShards.WholeMilliseconds(now + retry.ToPolicy().DelayBefore(next, Random.Shared.NextDouble()));
        await AddDueEntryOrDropAsync(at);
        var error = S.Error ?? "failed";
        S.FailedAttempts.Add(new AttemptState(next - 1, error.Length <= MaxAttemptErrorLength ? error : error[..MaxAttemptErrorLength] + "…",
            S.ErrorCode, S.StartedAt, S.FinishedAt ?? now));
        S.Attempt = next;
        S.Phase = TaskPhase.Scheduled;
        S.NextAttemptAt = at;
        S.Error = null;
        S.ErrorCode = null;
        S.FinishedAt = null;
        S.StartedAt = null;
        S.ResultJson = null;
        S.Checkpoint = TaskCheckpoint.Start;
        S.Progress = null;
        S.Attempts = 0;
        S.Lease = null;
        S.LeaderId = null;
        S.Epoch++;
        _expectDueAt = at;
        TaskAttemptLog.Retrying(logger, Id, S.Client, next - 1, retry.MaxAttempts, error, at);
        return true;
    }

    /// <summary>Gives a just started attempt its deadline, when the task has a timeout; before the start is committed.</summary>
    private async Task ArmDeadlineAsync()
    {
        if (S.Timeout is not { } timeout || S.Phase != TaskPhase.Running || S.Deadline is not null)
        {
            return;
        }

        var deadline = DueShards.WholeMilliseconds(clock.GetUtcNow() + timeout);
        await AddDueEntryOrDropAsync(deadline);
        S.Deadline = deadline;
        _expectDueAt = deadline;
    }

    /// <summary>Stops the running attempt at its deadline: it ends cancelled with the code timeout, or waits for its next attempt.</summary>
    private async Task TimeOutAsync()
    {
        Chunks.Stop();
        S.Epoch++; // A chunk in flight must not commit over this.
        var ran = S.StartedAt is { } started ? clock.GetUtcNow() - started : S.Timeout ?? TimeSpan.Zero;
        S.Finish(clock.GetUtcNow(), TaskPhase.Cancelled, $"the attempt ran past its timeout of {S.Timeout} and was stopped after {ran:g}", TaskErrorCodes.Timeout);
        await ReportEndToCacheOrDropAsync();
        var retrying = await RetryIfAllowedAsync();
        await CommitAsync();
        await ReleaseReminderAsync();
        if (RunsOnAgent)
        {
            await ShellQueue().ForgetAsync(Id); // The agent hears of it at its next heartbeat and kills the command.
        }
        else if (handlers.Get(S.Type) is IChunkedTaskHandler chunked)
        {
            await chunked.ReleaseAsync(Id);
        }

        await AfterPhaseChangeAsync();
        TaskAttemptLog.TimedOut(logger, Id, S.Client, S.Timeout ?? TimeSpan.Zero, retrying);
    }

    /// <summary>
    /// Stores a due entry for a state change made in memory but not yet committed (the attempt's end, its start): when the
    /// store fails, the activation is dropped, so that memory never stays ahead of storage.
    /// </summary>
    private async Task AddDueEntryOrDropAsync(DateTimeOffset at)
    {
        try
        {
            await dueStore.AddAsync(DueShards.Of(Id), Id, at);
        }
        catch
        {
            Drop();
            throw;
        }
    }

}
