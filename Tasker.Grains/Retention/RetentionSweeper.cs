using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tasker.Clients;
using Tasker.Tasks;

namespace Tasker.Retention;

/// <summary>
/// Expires ended tasks whose retention has passed, in batches, off the request path (docs/adr/020): every
/// <see cref="RetentionOptions.SweepInterval"/> it asks the history store for the oldest expired tasks, expires each
/// through its grain (so the grain's memory and its storage never disagree), removes the storage rows left over, then
/// forgets its history line; then expired idempotency keys. A task its grain keeps (a task that runs after it has not
/// ended) is postponed in the store, one sweep interval at first and twice as long at each refusal in a row, up to
/// <see cref="RetentionOptions.KeptRecheck"/>, so that it neither holds the head of the list against younger tasks nor
/// has its children read again at every sweep. One per silo, no reminder per task: two silos that meet the same task
/// both ask its grain, and the second finds it gone.
/// </summary>
public sealed partial class RetentionSweeper(
    IGrainFactory grains,
    InstantTasks instantTasks,
    IHistoryStore history,
    IStateRowSweeper rows,
    IdempotencyKeyLedger keys,
    Files.TaskFiles files,
    IOptions<RetentionOptions> options,
    TimeProvider clock,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    // Bounds one sweep, so that a backlog (a first start after long downtime) is worked off over several intervals.
    private const int MaxBatchesPerSweep = 100;
    private const int ExpiringAtOnce = 16;

    // Refusals in a row per kept task, for its back-off: a passing refusal (an end notice still pending) costs one
    // interval, a parent whose child waits for hours is asked every KeptRecheck. Forgotten when the task expires, and
    // all at once past the cap (they start again from one interval); a restart forgets them too.
    private const int MaxRefusalsRemembered = 100_000;
    private readonly ConcurrentDictionary<string, int> _refusals = new(StringComparer.Ordinal);

    // After a sweep that stopped at its bound with more due: the next one soon, not a whole interval later, so that a
    // silo whose rate outruns one sweep per interval still keeps its memory cap.
    private static readonly TimeSpan _backlogPause = TimeSpan.FromSeconds(1);

    // Orphaned uploads are rare (a submission that failed after its file was in place): an hourly look is plenty.
    private static readonly TimeSpan _uploadSweepInterval = TimeSpan.FromHours(1);
    private static readonly TimeSpan _incomingUploadAge = TimeSpan.FromHours(1);
    private DateTimeOffset _nextUploadSweep = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wait = options.Value.SweepInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, stoppingToken);
                wait = await SweepAsync(stoppingToken) >= MaxBatchesPerSweep * options.Value.SweepBatch ? _backlogPause : options.Value.SweepInterval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                SweepFailed(logger, exception); // Nothing was lost: what is left is found again at the next sweep.
            }
        }
    }

    /// <summary>One sweep: expires what has expired now, up to <see cref="MaxBatchesPerSweep"/> batches. Returns the tasks expired.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var took = Stopwatch.StartNew();
        var (expired, failed, rowsRemoved) = (0, 0, 0L);
        for (var batch = 0; batch < MaxBatchesPerSweep; batch++)
        {
            var query = options.Value.ExpiryAt(clock.GetUtcNow());
            var due = await history.FindExpiredAsync(query, cancellationToken);
            var gone = new ConcurrentQueue<EndedTask>();
            var kept = new ConcurrentQueue<EndedTask>();
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = ExpiringAtOnce, CancellationToken = cancellationToken }, async (task, _) =>
            {
                // Old enough by its status, or else one of the oldest beyond the memory cap, which goes whatever its age.
                var endedBefore = task.FinishedAt < query.Before(task.Phase) ? query.Before(task.Phase) : DateTimeOffset.MaxValue;
                try
                {
                    // A short task goes straight from storage when no grain holds it (embedded mode); others through their grain.
                    if (await instantTasks.TryExpireStoredAsync(task.TaskId, endedBefore) ?? await grains.GetGrain<ITaskGrain>(task.TaskId).ExpireAsync(endedBefore))
                    {
                        gone.Enqueue(task);
                        _refusals.TryRemove(task.TaskId, out var _);
                    }
                    else
                    {
                        // Asked again after its back-off, counted from now (or from its end, for one of the oldest
                        // beyond the memory cap that is not old enough yet).
                        var from = task.FinishedAt < query.Before(task.Phase) ? query.Before(task.Phase) : task.FinishedAt;
                        kept.Enqueue(task with { FinishedAt = from + BackOff(_refusals.AddOrUpdate(task.TaskId, 1, (_, n) => n + 1)) });
                    }
                }
                catch (Exception exception) when (exception is not OutOfMemoryException and not OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    ExpiryFailed(logger, task.TaskId, task.Client, exception);
                }
            });

            // Storage rows first, history lines last: until its line is forgotten, a sweep finds the task again (its
            // grain answers that it is gone) and removes whatever a failure here left.
            rowsRemoved += await rows.RemoveTasksAsync([.. gone.Select(t => t.TaskId)], cancellationToken);
            foreach (var task in gone)
            {
                await history.ForgetAsync(task.Client, task.TaskId, cancellationToken);
                TaskMetrics.Expired(task.Phase);
            }

            await history.PostponeAsync([.. kept], cancellationToken);
            if (_refusals.Count > MaxRefusalsRemembered)
            {
                _refusals.Clear();
            }

            expired += gone.Count;
            if (due.Count < query.Limit || (gone.IsEmpty && kept.IsEmpty))
            {
                break; // All that is due is done, or what is left is failing: the next sweep tries again.
            }
        }

        var keysBefore = clock.GetUtcNow() - options.Value.IdempotencyKeys;
        foreach (var key in keys.TakeClaimedBefore(keysBefore, int.MaxValue))
        {
            try
            {
                await grains.GetGrain<IIdempotencyGrain>(key).ExpireAsync();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException and not OperationCanceledException)
            {
                keys.Claimed(key, keysBefore); // Tried again at the next sweep.
                KeyExpiryFailed(logger, key, exception);
            }
        }

        rowsRemoved += await rows.RemoveAgedAsync(keysBefore, cancellationToken);
        if (clock.GetUtcNow() >= _nextUploadSweep)
        {
            _nextUploadSweep = clock.GetUtcNow() + _uploadSweepInterval;
            await Task.Run(() => SweepUploads(), cancellationToken);
        }

        TaskMetrics.Swept(took.Elapsed);
        if (expired > 0 || failed > 0)
        {
            Swept(logger, expired, failed, rowsRemoved, took.ElapsedMilliseconds);
        }

        return expired;
    }

    /// <summary>How long a task refused <paramref name="times"/> in a row waits before it is asked again.</summary>
    private TimeSpan BackOff(int times)
    {
        var retention = options.Value;
        var first = retention.SweepInterval < retention.KeptRecheck ? retention.SweepInterval : retention.KeptRecheck;
        var wait = first * Math.Pow(2, Math.Min(times - 1, 20));
        return wait < retention.KeptRecheck ? wait : retention.KeptRecheck;
    }

    /// <summary>Removes uploads that no live task can read: untouched for longer than any ended task is kept, plus a day.</summary>
    private void SweepUploads()
    {
        var now = clock.GetUtcNow();
        var retention = options.Value;
        var longest = new[] { retention.Succeeded, retention.Failed, retention.Cancelled }.Max() + TimeSpan.FromDays(1);
        if (files.SweepUploads(now - longest, now - _incomingUploadAge) is > 0 and var removed)
        {
            UploadsSwept(logger, removed);
        }
    }
}
