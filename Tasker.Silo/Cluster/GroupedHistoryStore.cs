using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Tasker.Clients;

namespace Tasker.Silo.Cluster;

/// <summary>
/// What the SQL history stores (PostgreSQL, SQLite) share: rows of the service's tables, and lines recorded at the
/// same moment written together (<see cref="GroupCommit{TItem, TResult}"/>); each store says how it writes a batch and
/// how it reads.
/// </summary>
public abstract class GroupedHistoryStore : IHistoryStore, IAsyncDisposable
{
    // Trimming is a range delete; doing it on every hundredth new line keeps it off most requests.
    private const int TrimEvery = 100;

    private readonly IOptions<ClusterOptions> _cluster;
    private readonly IOptions<TaskerOptions> _options;
    private readonly GroupCommit<HistoryLine, bool> _lines;

    protected GroupedHistoryStore(IOptions<ClusterOptions> cluster, IOptions<TaskerOptions> options)
    {
        _cluster = cluster;
        _options = options;
        _lines = new GroupCommit<HistoryLine, bool>(RecordBatchAsync, maxBatch: 256);
    }

    /// <summary>The service id: every row is the service's own, so that services may share a database.</summary>
    protected string Service => _cluster.Value.ServiceId;

    /// <summary>How many lines a client's history keeps.</summary>
    protected int MaxHistoryPerClient => _options.Value.MaxHistoryPerClient;

    /// <remarks>The line is written with others recorded at the same moment, so the token is not observed.</remarks>
    public Task RecordAsync(string client, ClientTaskEntry entry, CancellationToken cancellationToken = default) =>
        _lines.WriteAsync(new HistoryLine(client, entry));

    public ValueTask DisposeAsync() => _lines.DisposeAsync();

    public abstract Task ForgetAsync(string client, string taskId, CancellationToken cancellationToken = default);

    public abstract Task<IReadOnlyList<EndedTask>> FindExpiredAsync(ExpiryQuery query, CancellationToken cancellationToken = default);

    public abstract Task PostponeAsync(IReadOnlyList<EndedTask> tasks, CancellationToken cancellationToken = default);

    public abstract Task<HistoryPage> QueryAsync(string client, HistoryQuery query, CancellationToken cancellationToken = default);

    public abstract Task<ListingPage> QueryAllAsync(HistoryQuery query, CancellationToken cancellationToken = default);

    /// <summary>Writes the lines recorded at the same moment, and trims the histories that passed a trim mark.</summary>
    protected abstract Task RecordAllAsync(IReadOnlyList<HistoryLine> batch);

    /// <summary>True when a client's count of lines ever recorded went past a multiple of the trim period.</summary>
    protected static bool PassedTrimMark(long recordedBefore, long recordedAfter) =>
        recordedBefore / TrimEvery != recordedAfter / TrimEvery;

    private async Task<IReadOnlyList<bool>> RecordBatchAsync(IReadOnlyList<HistoryLine> batch)
    {
        await RecordAllAsync(batch);
        return [.. batch.Select(_ => true)];
    }

    /// <summary>A line to record, with the client whose history it is in.</summary>
    protected sealed record HistoryLine(string Client, ClientTaskEntry Entry);
}
