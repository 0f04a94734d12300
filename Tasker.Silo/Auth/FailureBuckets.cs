using System.Collections.Concurrent;

namespace Tasker.Silo.Auth;

/// <summary>
/// A token bucket of allowed failures per key (a client address, a user name): <c>burst</c> at most, earned back at
/// <c>perMinute</c>. Kept as the time at which the bucket is full again (GCRA), in whole ticks, so that the arithmetic
/// is exact. A full bucket is the same as none, so full buckets are dropped when the table is swept (once a minute, or
/// when it holds <c>maxTracked</c> keys); a key that finds the table full after a sweep is not counted.
/// </summary>
internal sealed class FailureBuckets(int burst, int perMinute, int maxTracked, TimeProvider clock)
{
    private readonly long _interval = TimeSpan.TicksPerMinute / perMinute;

    private static readonly TimeSpan _sweepEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan _sweepWhenFullEvery = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private long _lastSweep = clock.GetTimestamp();
    private int _sweeping;

    public int Count => _buckets.Count;

    /// <summary>
    /// Takes one failure's allowance for <paramref name="key"/>: <see cref="Take.Taken"/>, <see cref="Take.Untracked"/>
    /// when the table is full, or <see cref="Take.Empty"/> with how long until one is earned back.
    /// </summary>
    public (Take Outcome, TimeSpan Wait) TryTake(string key)
    {
        var now = clock.GetUtcNow().UtcTicks;
        SweepIfDue(now);
        while (true)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                if (_buckets.Count >= maxTracked)
                {
                    return (Take.Untracked, TimeSpan.Zero);
                }

                bucket = _buckets.GetOrAdd(key, _ => new Bucket());
            }

            lock (bucket)
            {
                if (bucket.Dropped)
                {
                    continue; // Swept between the lookup and the lock: count on its successor.
                }

                var full = Math.Max(bucket.FullAt, now);
                var over = full - now - ((burst - 1) * _interval);
                if (over > 0)
                {
                    return (Take.Empty, TimeSpan.FromTicks(over));
                }

                bucket.FullAt = full + _interval;
                return (Take.Taken, TimeSpan.Zero);
            }
        }
    }

    /// <summary>Gives back an allowance taken for an attempt that did not fail.</summary>
    public void GiveBack(string key)
    {
        if (_buckets.TryGetValue(key, out var bucket))
        {
            lock (bucket)
            {
                bucket.FullAt -= _interval;
            }
        }
    }

    private void SweepIfDue(long now)
    {
        var since = clock.GetElapsedTime(Interlocked.Read(ref _lastSweep));
        var due = since >= _sweepEvery || (_buckets.Count >= maxTracked && since >= _sweepWhenFullEvery);
        if (!due || Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            Interlocked.Exchange(ref _lastSweep, clock.GetTimestamp());
            foreach (var (key, bucket) in _buckets)
            {
                lock (bucket)
                {
                    if (bucket.FullAt <= now)
                    {
                        bucket.Dropped = true;
                        _buckets.TryRemove(key, out _);
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    public enum Take
    {
        Taken,
        Untracked,
        Empty,
    }

    private sealed class Bucket
    {
        /// <summary>UTC ticks at which every failure is earned back.</summary>
        public long FullAt { get; set; }

        public bool Dropped { get; set; }
    }
}
