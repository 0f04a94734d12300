using System.Data.Common;
using Orleans.Storage;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>A grain storage over another whose next writes of chosen grains fail with a transient database error, as in an outage.</summary>
internal sealed class OutageStorage : IGrainStorage
{
    private readonly Lock _lock = new();
    private IGrainStorage _inner = null!;
    private Func<string, bool>? _which;
    private int _left;

    public int Failed { get; private set; }

    public IGrainStorage Over(IGrainStorage inner)
    {
        _inner = inner;
        return this;
    }

    /// <summary>The next <paramref name="failures"/> writes of grains whose key <paramref name="which"/> picks fail (it sees every write's key, in order).</summary>
    public void FailWrites(int failures, Func<string, bool> which)
    {
        lock (_lock)
        {
            _which = which;
            _left = failures;
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ReadStateAsync(stateName, grainId, grainState);

    /// <summary>
    /// Holds the writes of grains whose key <paramref name="which"/> picks until the hold is released (or disposed): the
    /// grain's turn waits on its write meanwhile, as it would on any call.
    /// </summary>
    public WriteHold HoldWrites(Func<string, bool> which)
    {
        var hold = new WriteHold(which);
        lock (_lock)
        {
            _hold = hold;
        }

        return hold;
    }

    private WriteHold? _hold;

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        WriteHold? hold;
        lock (_lock)
        {
            if (_left > 0 && _which is { } which && which(grainId.Key.ToString()))
            {
                _left--;
                Failed++;
                throw new OutageException();
            }

            hold = _hold is { } h && h.Picks(grainId.Key.ToString()) ? h : null;
        }

        if (hold is not null)
        {
            await hold.WaitAsync();
        }

        await _inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ClearStateAsync(stateName, grainId, grainState);

    private sealed class OutageException() : DbException("the database is not reachable (a test's outage)")
    {
        public override bool IsTransient => true;
    }

    /// <summary>A hold on some grains' writes (<see cref="HoldWrites"/>).</summary>
    internal sealed class WriteHold(Func<string, bool> which) : IDisposable
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a write has been held.</summary>
        public Task Reached => _reached.Task;

        public bool Picks(string key) => !_released.Task.IsCompleted && which(key);

        public Task WaitAsync()
        {
            _reached.TrySetResult();
            return _released.Task;
        }

        public void Release() => _released.TrySetResult();

        public void Dispose() => Release();
    }
}
