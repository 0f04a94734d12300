using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using Tasker.Due;
using Tasker.Tasks;

namespace Tasker.Silo.Cluster;

/// <summary>
/// New tasks' first writes (docs/adr/026), many at once: the rows that Orleans' ADO.NET grain storage would insert for
/// them (its table, its key, its serializer, version 1), handed to a group commit so that the inserts that arrive while
/// one batch is written go together in the next. Every later read, write and clear of those rows is by the provider's
/// statements (<see cref="GroupedGrainStorage"/>).
/// Each database writes a batch its own way (<see cref="InsertAllAsync"/>).
/// </summary>
public abstract class GroupedNewTaskStore : INewTaskStore, IAsyncDisposable
{
    private readonly IOptions<ClusterOptions> _cluster;
    private readonly IGrainStorageSerializer _serializer;
    private readonly GroupCommit<NewTaskRow, bool> _inserts;

    protected GroupedNewTaskStore(IOptions<ClusterOptions> cluster, IOptionsMonitor<AdoNetGrainStorageOptions> storage)
    {
        _cluster = cluster;
        _serializer = storage.Get(TaskerStorage.Name).GrainStorageSerializer;
        _inserts = new GroupCommit<NewTaskRow, bool>(InsertBatchAsync, maxBatch: 256);
    }

    /// <summary>The provider's service id, part of every row's key.</summary>
    protected string ServiceId => _cluster.Value.ServiceId;

    public Task InsertAsync(GrainId grainId, TaskState state) => InsertAsync(grainId, state, due: null);

    /// <summary>
    /// Hands the due entry to the batch with the state (<see cref="InsertAllAsync"/> writes it first, in the same
    /// transaction) unless a database writes it apart (overrides this).
    /// </summary>
    public virtual Task InsertScheduledAsync(GrainId grainId, TaskState state, int shard, DueEntry due) =>
        InsertAsync(grainId, state, (shard, due));

    public ValueTask DisposeAsync() => _inserts.DisposeAsync();

    private async Task InsertAsync(GrainId grainId, TaskState state, (int Shard, DueEntry Entry)? due)
    {
        var (extension, n0, n1) = ProviderKey(grainId);
        if (!await _inserts.WriteAsync(new NewTaskRow(extension, n0, n1, _serializer.Serialize(state).ToArray(), due)))
        {
            throw new InconsistentStateException($"Task grain {grainId} has a stored state already: a first write does not overwrite it.");
        }
    }

    /// <summary>
    /// The provider's row key of a grain (its AdoGrainKey, internal to it): a GUID key's two halves, an integer key as
    /// the second half, each with its key extension; any other key as the extension alone. A stored row that the
    /// provider's read does not find would be a lost task: GrainStorageContractTests reads every kind back through it.
    /// </summary>
    internal static (string Extension, long N0, long N1) ProviderKey(GrainId grainId)
    {
        if (grainId.TryGetGuidKey(out var guid, out var extension))
        {
            Span<byte> bytes = stackalloc byte[16];
            guid.TryWriteBytes(bytes);
            return (extension ?? "", BitConverter.ToInt64(bytes[..8]), BitConverter.ToInt64(bytes[8..]));
        }

        return grainId.TryGetIntegerKey(out var integer, out extension)
            ? (extension ?? "", 0, integer)
            : (grainId.Key.ToString()!, 0, 0);
    }

    /// <summary>
    /// Inserts the rows (distinct keys, in key order, so that two writers take the locks they share in the same
    /// order) where no row of their key exists, in one transaction, after storing the due entries some carry; answers
    /// with the keys it inserted.
    /// </summary>
    protected abstract Task<IReadOnlySet<(string Extension, long N0, long N1)>> InsertAllAsync(IReadOnlyList<NewTaskRow> rows);

    private async Task<IReadOnlyList<bool>> InsertBatchAsync(IReadOnlyList<NewTaskRow> batch)
    {
        // The first of a key in the batch is inserted, a repeat of it refused.
        var rows = batch.DistinctBy(t => t.Key).OrderBy(t => t.Extension, StringComparer.Ordinal).ThenBy(t => t.N0).ThenBy(t => t.N1).ToList();
        var inserted = new HashSet<(string, long, long)>(await InsertAllAsync(rows));
        return [.. batch.Select(t => inserted.Remove(t.Key))]; // Each inserted key answers true once: to its first item.
    }
}

/// <summary>A new task's row: the provider's key and the serialized state, and a scheduled task's due entry.</summary>
public sealed record NewTaskRow(string Extension, long N0, long N1, byte[] Payload, (int Shard, DueEntry Entry)? Due = null)
{
    public (string Extension, long N0, long N1) Key => (Extension, N0, N1);
}
