namespace Tasker.Retention;

/// <summary>
/// Removes what grain storage keeps after a grain has cleared its state (docs/adr/020). Orleans' memory storage drops
/// a cleared state itself; the cluster's table keeps the row of a cleared state (its version fences an old holder,
/// docs/adr/011), so the sweep removes those of expired tasks, and idempotency keys by age.
/// </summary>
public interface IStateRowSweeper
{
    /// <summary>
    /// Removes the cleared rows of the expired tasks (and of their children, <c>{id}.k</c>) and of cleared cache entries,
    /// and idempotency keys claimed before <paramref name="keysClaimedBefore"/>. Returns the rows removed.
    /// </summary>
    Task<long> RemoveAsync(IReadOnlyList<string> expiredTaskIds, DateTimeOffset keysClaimedBefore, CancellationToken cancellationToken);
}

/// <summary>Embedded mode: the memory storage has nothing left over once a grain clears its state.</summary>
public sealed class NoStateRowsLeft : IStateRowSweeper
{
    public Task<long> RemoveAsync(IReadOnlyList<string> expiredTaskIds, DateTimeOffset keysClaimedBefore, CancellationToken cancellationToken) =>
        Task.FromResult(0L);
}
