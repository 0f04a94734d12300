namespace Tasker.Testing;

/// <summary>
/// Parameters that no other request of this test process sends. Tests that share a cluster or server share its result
/// cache, so a request another test made before would be answered from the cache (a hit: no children, no run, another
/// task's result): each test that needs its own computation takes its values here rather than picking "a number no
/// other test uses" by hand.
/// </summary>
public static class UniqueParameters
{
    private static readonly HashSet<long> _taken = [];
    private static readonly Lock _lock = new();

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>) that no other caller in this process had.</summary>
    public static int Int(int min, int max) => (int)Take(min, max);

    /// <summary>A large whole number (an operand) that no other caller in this process had.</summary>
    public static long Number() => Take(1_000_000_000, 1_000_000_000_000);

    private static long Take(long min, long max)
    {
        lock (_lock)
        {
            if (_taken.Count(v => v >= min && v < max) >= max - min)
            {
                throw new InvalidOperationException($"Every value in [{min}, {max}) is taken: widen the range.");
            }

            while (true)
            {
                var value = Random.Shared.NextInt64(min, max);
                if (_taken.Add(value))
                {
                    return value;
                }
            }
        }
    }
}
