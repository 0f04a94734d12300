using System.Threading.Channels;

namespace Tasker.Silo.Cluster;

/// <summary>
/// Group commit: items that callers hand in while a statement is on its way are written together by the next one,
/// so a busy silo makes one round trip to PostgreSQL for many writes, and a quiet one still writes each item at
/// once (nothing waits for a batch to fill). Every caller learns its own item's result, or the batch's failure.
/// </summary>
internal sealed class GroupCommit<TItem, TResult> : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _write;
    private readonly int _maxBatch;
    private readonly Task _writer;

    /// <param name="write">Writes one batch and answers with one result per item, in the batch's order.</param>
    /// <param name="maxBatch">Most items in one statement.</param>
    public GroupCommit(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> write, int maxBatch)
    {
        _write = write;
        _maxBatch = maxBatch;
        _writer = Task.Run(WriteLoopAsync);
    }

    public async Task<TResult> WriteAsync(TItem item)
    {
        var pending = new Pending(item);
        await _queue.Writer.WriteAsync(pending);
        return await pending.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            try
            {
                var results = await _write([.. batch.Select(p => p.Item)]);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
            catch (Exception exception)
            {
                batch.ForEach(p => p.Done.TrySetException(exception));
            }
        }
    }

    private sealed record Pending(TItem Item)
    {
        public TaskCompletionSource<TResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
