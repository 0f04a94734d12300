using System.Diagnostics;

namespace Tasker.Bench.Measuring;

/// <summary>
/// Collects one phase's timings from concurrent submitters: per task the submit latency and the submit → success
/// latency, and overall the first submit and the last success, for the end-to-end throughput.
/// </summary>
public sealed class LoadRecorder(int capacity)
{
    private readonly long[] _submit = new long[capacity];
    private readonly long[] _done = new long[capacity];
    private readonly bool[] _recorded = new bool[capacity];
    private long _firstStart = long.MaxValue;
    private long _lastEnd = long.MinValue;
    private int _failed;

    /// <summary>Tasks that did not succeed.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Records task <paramref name="index"/>: submitted at <paramref name="start"/>, answered at <paramref name="answered"/>, seen succeeded at <paramref name="succeeded"/> (Stopwatch timestamps).</summary>
    public void Succeeded(int index, long start, long answered, long succeeded)
    {
        _submit[index] = answered - start;
        _done[index] = succeeded - start;
        _recorded[index] = true;
        Started(start);
        Ended(succeeded);
    }

    /// <summary>Counts a task that did not succeed.</summary>
    public void Fail() => Interlocked.Increment(ref _failed);

    /// <summary>Moves the end of the phase to <paramref name="timestamp"/> when that is later (e.g. when the storage shows the last success).</summary>
    public void Ended(long timestamp)
    {
        long seen;
        while (timestamp > (seen = Volatile.Read(ref _lastEnd)) && Interlocked.CompareExchange(ref _lastEnd, timestamp, seen) != seen)
        {
        }
    }

    /// <summary>The submit latencies of the recorded tasks.</summary>
    public LatencySummary SubmitLatency() => LatencySummary.FromTicks(Pick(_submit));

    /// <summary>The submit → success latencies of the recorded tasks.</summary>
    public LatencySummary DoneLatency() => LatencySummary.FromTicks(Pick(_done));

    /// <summary>Successful tasks per second from the first submit to the last success.</summary>
    public double Throughput()
    {
        var count = _recorded.Count(r => r);
        var span = Volatile.Read(ref _lastEnd) - Volatile.Read(ref _firstStart);
        return count == 0 || span <= 0 ? 0 : count / (span / (double)Stopwatch.Frequency);
    }

    private void Started(long timestamp)
    {
        long seen;
        while (timestamp < (seen = Volatile.Read(ref _firstStart)) && Interlocked.CompareExchange(ref _firstStart, timestamp, seen) != seen)
        {
        }
    }

    private List<long> Pick(long[] values)
    {
        var picked = new List<long>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            if (_recorded[i])
            {
                picked.Add(values[i]);
            }
        }

        return picked;
    }
}
