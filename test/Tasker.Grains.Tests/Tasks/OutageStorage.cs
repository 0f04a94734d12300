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

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (_lock)
        {
            if (_left > 0 && _which is { } which && which(grainId.Key.ToString()))
            {
                _left--;
                Failed++;
                throw new OutageException();
            }
        }

        return _inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ClearStateAsync(stateName, grainId, grainState);

    private sealed class OutageException() : DbException("the database is not reachable (a test's outage)")
    {
        public override bool IsTransient => true;
    }
}
