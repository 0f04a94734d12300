using System.Diagnostics;

namespace Tasker.Bench.Measuring;

/// <summary>Percentiles of a set of durations, in milliseconds.</summary>
public sealed record LatencySummary(double P50, double P90, double P99, double Max, int Count)
{
    /// <summary>Summarises durations given in <see cref="Stopwatch"/> ticks (nearest-rank percentiles).</summary>
    public static LatencySummary FromTicks(IReadOnlyCollection<long> ticks)
    {
        if (ticks.Count == 0)
        {
            return new LatencySummary(double.NaN, double.NaN, double.NaN, double.NaN, 0);
        }

        var sorted = ticks.Order().ToArray();
        double At(double fraction)
        {
            var rank = (int)Math.Ceiling(fraction * sorted.Length);
            return ToMilliseconds(sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)]);
        }

        return new LatencySummary(At(0.50), At(0.90), At(0.99), ToMilliseconds(sorted[^1]), sorted.Length);
    }

    /// <summary>Stopwatch ticks as milliseconds.</summary>
    public static double ToMilliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
