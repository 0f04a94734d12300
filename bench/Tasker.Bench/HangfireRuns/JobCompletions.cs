using System.Collections.Concurrent;
using System.Diagnostics;
using Hangfire.States;
using Hangfire.Storage;

namespace Tasker.Bench.HangfireRuns;

/// <summary>
/// Counts what the Hangfire peer host enqueued and what its workers finished, and tells a waiting request when its job
/// succeeded. A job counts as done when it is moved to Succeeded (with the right sum for add): the earliest point inside
/// Hangfire where success is decided; the storage transaction commits right after it (slightly in Hangfire's favour).
/// </summary>
public sealed class JobCompletions : IApplyStateFilter
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new();
    private ConcurrentQueue<double> _latencies = new(); // Milliseconds from each job's creation to its success.
    private long _enqueued;
    private long _succeeded;
    private long _failed;
    private long _firstEnqueue = long.MaxValue;
    private long _lastSuccess = long.MinValue;
    private volatile bool _waiting;

    /// <summary>
    /// Forgets the counts (between two measured runs on the same host); with <paramref name="waiting"/>, requests wait for
    /// their jobs until the next reset (a success is kept for a request not yet waiting, so waiters are only tracked then).
    /// </summary>
    public void Reset(bool waiting)
    {
        _waiting = waiting;
        _waiters.Clear();
        _latencies = new ConcurrentQueue<double>();
        Interlocked.Exchange(ref _enqueued, 0);
        Interlocked.Exchange(ref _succeeded, 0);
        Interlocked.Exchange(ref _failed, 0);
        Interlocked.Exchange(ref _firstEnqueue, long.MaxValue);
        Interlocked.Exchange(ref _lastSuccess, long.MinValue);
    }

    /// <summary>Counts a job just enqueued.</summary>
    public void Enqueued()
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _enqueued);
        long seen;
        while (now < (seen = Volatile.Read(ref _firstEnqueue)) && Interlocked.CompareExchange(ref _firstEnqueue, now, seen) != seen)
        {
        }
    }

    /// <summary>Completes when job <paramref name="jobId"/> succeeded (fails when it failed or gave a wrong sum).</summary>
    public Task WhenDone(string jobId) => Waiter(jobId).Task;

    /// <summary>Forgets a job that has been waited for.</summary>
    public void Forget(string jobId) => _waiters.TryRemove(jobId, out _);

    /// <summary>
    /// The counts as JSON: enqueued, succeeded, failed, the seconds from the first enqueue to the last success, and the
    /// median and 99th percentile of the milliseconds from a job's creation to its success.
    /// </summary>
    public string Json()
    {
        var first = Volatile.Read(ref _firstEnqueue);
        var last = Volatile.Read(ref _lastSuccess);
        var seconds = last > first ? (last - first) / (double)Stopwatch.Frequency : 0;
        var latencies = _latencies.ToArray();
        Array.Sort(latencies);
        double Percentile(double p) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];
        return string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $$"""{"enqueued":{{Volatile.Read(ref _enqueued)}},"succeeded":{{Volatile.Read(ref _succeeded)}},"failed":{{Volatile.Read(ref _failed)}},"seconds":{{seconds:F6}},"p50_ms":{{Percentile(0.50):F3}},"p99_ms":{{Percentile(0.99):F3}}}""");
    }

    /// <inheritdoc />
    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(context);
        var job = context.BackgroundJob;
        if (context.NewState is SucceededState succeeded)
        {
            var args = job.Job.Args;
            var right = job.Job.Method.Name != nameof(AddJob.Add)
                || (succeeded.Result is long result && result == (long)args[0] + (long)args[1]);
            if (right)
            {
                var now = Stopwatch.GetTimestamp();
                _latencies.Enqueue((DateTime.UtcNow - job.CreatedAt).TotalMilliseconds);
                Interlocked.Increment(ref _succeeded);
                long seen;
                while (now > (seen = Volatile.Read(ref _lastSuccess)) && Interlocked.CompareExchange(ref _lastSuccess, now, seen) != seen)
                {
                }

                if (_waiting)
                {
                    Waiter(job.Id).TrySetResult();
                }
            }
            else
            {
                Interlocked.Increment(ref _failed);
                if (_waiting)
                {
                    Waiter(job.Id).TrySetException(new InvalidOperationException($"job {job.Id}: {succeeded.Result} is not the sum"));
                }
            }
        }
        else if (context.NewState is FailedState failed)
        {
            Interlocked.Increment(ref _failed);
            if (_waiting)
            {
                Waiter(job.Id).TrySetException(failed.Exception);
            }
        }
    }

    /// <inheritdoc />
    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }

    private TaskCompletionSource Waiter(string jobId) =>
        _waiters.GetOrAdd(jobId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
