namespace Tasker;

/// <summary>
/// One of a small fixed set of shards that start what falls due (docs/adr/034): storage holds every due entry, the
/// shard aims a grain timer at its earliest and holds one reminder as a heartbeat. Keyed by the shard's number.
/// </summary>
[Alias("tasker.IDueShardGrain")]
public interface IDueShardGrain : IGrainWithIntegerKey
{
    /// <summary>An entry due at <paramref name="dueAt"/> was stored for this shard: aim the timer earlier if need be.</summary>
    [Alias("Expect"), Orleans.Concurrency.OneWay] // A hint: a lost one costs at most a heartbeat's delay.
    Task ExpectAsync(DateTimeOffset dueAt);

    /// <summary>Activates the shard (at start-up), which then starts whatever is overdue.</summary>
    [Alias("Ping")]
    Task PingAsync();
}
