using System.Collections.Concurrent;
using System.Diagnostics;
using Hangfire.States;
using Hangfire.Storage;

namespace Tasker.Bench.HangfireRuns;

/// <summary>
/// A state filter that tells waiters when a job has been moved to Succeeded with the right sum: the earliest point
/// inside Hangfire where success is decided (the storage transaction commits right after it).
/// </summary>
public sealed class SucceededSignals : IApplyStateFilter
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _signals = new();

    /// <summary>Completes with the Stopwatch timestamp at which job <paramref name="jobId"/> was moved to Succeeded (or fails when it was not correct).</summary>
    public Task<long> WhenSucceeded(string jobId) => Signal(jobId).Task;

    /// <summary>Forgets a job that has been waited for.</summary>
    public void Forget(string jobId) => _signals.TryRemove(jobId, out _);

    /// <inheritdoc />
    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.NewState is SucceededState succeeded)
        {
            var now = Stopwatch.GetTimestamp();
            var args = context.BackgroundJob.Job.Args;
            var expected = (long)args[0] + (long)args[1];
            if (succeeded.Result is long result && result == expected)
            {
                Signal(context.BackgroundJob.Id).TrySetResult(now);
            }
            else
            {
                Signal(context.BackgroundJob.Id).TrySetException(new InvalidOperationException($"job {context.BackgroundJob.Id}: {succeeded.Result} instead of {expected}"));
            }
        }
        else if (context.NewState is FailedState failed)
        {
            Signal(context.BackgroundJob.Id).TrySetException(failed.Exception);
        }
    }

    /// <inheritdoc />
    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }

    private TaskCompletionSource<long> Signal(string jobId) =>
        _signals.GetOrAdd(jobId, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
}
