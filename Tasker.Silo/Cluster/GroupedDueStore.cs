using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Tasker.Due;

namespace Tasker.Silo.Cluster;

/// <summary>
/// What the SQL due stores (PostgreSQL, SQLite) share (docs/adr/034): rows of the service's <c>tasker_due</c>, and
/// entries added at the same moment written together (<see cref="GroupCommit{TItem, TResult}"/>), so that scheduling many
/// tasks at once costs what their history lines cost; each store says how it writes a batch and how it reads.
/// </summary>
public abstract class GroupedDueStore : IDueStore, IAsyncDisposable
{
    private readonly IOptions<ClusterOptions> _cluster;
    private readonly GroupCommit<(int Shard, DueEntry Entry), bool> _adds;

    protected GroupedDueStore(IOptions<ClusterOptions> cluster)
    {
        _cluster = cluster;
        _adds = new GroupCommit<(int, DueEntry), bool>(AddBatchAsync, maxBatch: 256);
    }

    /// <summary>The service id: every row is the service's own, so that services may share a database.</summary>
    protected string Service => _cluster.Value.ServiceId;

    /// <remarks>The entry is written with others added at the same moment, so the token is not observed.</remarks>
    public Task AddAsync(int shard, string taskId, DateTimeOffset dueAt, CancellationToken cancellationToken = default) =>
        _adds.WriteAsync((shard, new DueEntry(taskId, dueAt)));

    public ValueTask DisposeAsync() => _adds.DisposeAsync();

    public abstract Task RemoveAsync(string taskId, DateTimeOffset dueAt, CancellationToken cancellationToken = default);

    public abstract Task<IReadOnlyList<DueEntry>> DueAsync(int shard, DateTimeOffset until, int limit, CancellationToken cancellationToken = default);

    public abstract Task<DateTimeOffset?> EarliestAsync(int shard, CancellationToken cancellationToken = default);

    /// <summary>Stores (or moves) the entries added at the same moment.</summary>
    protected abstract Task AddAllAsync(IReadOnlyList<(int Shard, DueEntry Entry)> batch);

    private async Task<IReadOnlyList<bool>> AddBatchAsync(IReadOnlyList<(int Shard, DueEntry Entry)> batch)
    {
        await AddAllAsync(batch);
        return [.. batch.Select(_ => true)];
    }
}
