namespace Tasker.Retention;

/// <summary>
/// Removes what grain storage keeps after a grain has cleared its state (docs/adr/020). Orleans' memory storage drops
/// a cleared state itself; the cluster's table keeps the row of a cleared state (its version fences an old holder,
/// docs/adr/011), so the sweep removes those of expired tasks, and idempotency keys and cleared cache entries by age.
/// </summary>
public interface IStateRowSweeper
{
    /// <summary>Removes the cleared rows of expired tasks and of their children (<c>{id}.k</c>). Returns the rows removed.</summary>
    Task<long> RemoveTasksAsync(IReadOnlyList<string> expiredTaskIds, CancellationToken cancellationToken);

    /// <summary>Removes idempotency keys, and cleared cache entries, last written before <paramref name="before"/>. Returns the rows removed.</summary>
    Task<long> RemoveAgedAsync(DateTimeOffset before, CancellationToken cancellationToken);
}

/// <summary>Embedded mode: the memory storage has nothing left over once a grain clears its state.</summary>
public sealed class NoStateRowsLeft : IStateRowSweeper
{
    public Task<long> RemoveTasksAsync(IReadOnlyList<string> expiredTaskIds, CancellationToken cancellationToken) => Task.FromResult(0L);

    public Task<long> RemoveAgedAsync(DateTimeOffset before, CancellationToken cancellationToken) => Task.FromResult(0L);
}
