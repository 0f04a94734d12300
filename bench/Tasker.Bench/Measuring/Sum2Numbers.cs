namespace Tasker.Bench.Measuring;

/// <summary>
/// Operands for add/sum2 tasks that no earlier task of this run or of an earlier run used: a random base far from
/// other runs' plus a counter, so that no result cache can answer.
/// </summary>
public sealed class Sum2Numbers
{
    private long _next = Random.Shared.NextInt64(1_000_000_000, 1_000_000_000_000) * 1_000;

    /// <summary>The next pair of operands.</summary>
    public (long First, long Second) Next()
    {
        var first = Interlocked.Increment(ref _next);
        return (first, first % 9_973);
    }
}
