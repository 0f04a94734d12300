using System.Collections.Concurrent;

namespace Tasker.Retention;

/// <summary>
/// The Idempotency-Keys claimed on this silo, in the order claimed, so that the sweep can expire each one through its
/// grain when its time is up (docs/adr/020). Without it, an embedded silo's memory storage would keep every key ever
/// used; in cluster mode a key claimed before a restart is removed from the table by age instead.
/// </summary>
public sealed class IdempotencyKeyLedger
{
    private readonly ConcurrentQueue<(string Key, DateTimeOffset ClaimedAt)> _claims = new();

    public void Claimed(string key, DateTimeOffset claimedAt) => _claims.Enqueue((key, claimedAt));

    /// <summary>Takes up to <paramref name="max"/> keys claimed before <paramref name="before"/>, oldest first.</summary>
    public IReadOnlyList<string> TakeClaimedBefore(DateTimeOffset before, int max)
    {
        var keys = new List<string>();
        while (keys.Count < max && _claims.TryPeek(out var oldest) && oldest.ClaimedAt < before && _claims.TryDequeue(out oldest))
        {
            keys.Add(oldest.Key);
        }

        return keys;
    }
}
