namespace Tasker.Due;

/// <summary>Which due shard keeps a task's entry: a stable hash of its id, the same on every silo and after every restart.</summary>
public static class DueShards
{
    /// <summary>
    /// How many shards there are. Fixed: the shard is stored with each entry, so changing the count would strand entries
    /// in shards nobody runs. Eight keep a busy minute spread over the silos of a cluster, and cost nothing when idle.
    /// </summary>
    public const int Count = 8;

    public static int Of(string taskId)
    {
        // FNV-1a: string.GetHashCode is randomised per process.
        var hash = 2166136261u;
        foreach (var c in taskId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % Count);
    }

    /// <summary>A due time as every store keeps it exactly (whole milliseconds), so that the time a shard reads back is this one.</summary>
    public static DateTimeOffset WholeMilliseconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}
