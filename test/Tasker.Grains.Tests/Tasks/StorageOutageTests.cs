using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using Tasker.Storage;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>
/// A storage outage in the middle of a long task (sequences once stayed running after a PostgreSQL outage, with nothing
/// to drive them on). The chunk that meets the outage is deferred, and the task's reminder drives it on
/// once the storage answers again: it ends, with the right result, and every child is stored once.
/// </summary>
public sealed class StorageOutageTests : IAsyncLifetime
{
    private readonly OutageStorage _storage = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await OneSiloCluster.StartAsync(silo => silo.Services.AddKeyedSingleton<IGrainStorage>(TaskerStorage.Name, (services, _) =>
            _storage.Over(new InProcessGrainStorage(services.GetRequiredService<Serializer>()))));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_sequence_whose_child_writes_fail_during_an_outage_goes_on_after_it_and_ends_with_the_right_sum()
    {
        var id = TaskIds.New();
        var grain = _cluster.Client.GetGrain<ITaskGrain>(id);
        var n = 3 * Handlers.SequenceHandler.BlockSize;
        // The outage starts at the second block's first child and lasts for the next few writes of children.
        _storage.FailChildWrites($"{id}.{Handlers.SequenceHandler.BlockSize + 1}", failures: 5);

        await grain.SubmitAsync(new TaskSubmission("sequence", $$"""{"n":{{n}}}""", "outage-" + Guid.NewGuid().ToString("N")[..8], TaskPriority.Normal));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        var task = (await grain.GetAsync())!;
        while (!task.Phase.IsFinal())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the sequence did not end after the outage; last seen {task}");
            task = (await grain.WatchAsync(task.Version, TimeSpan.FromSeconds(2)))!;
        }

        Assert.Equal(5, _storage.Failed);
        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.Equal(((long)n * (n + 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), task.ResultJson);
        Assert.Equal(new TaskProgress(n, n), task.Progress);
    }

    /// <summary>The storage, whose writes of one task's children fail with a transient database error for a while.</summary>
    private sealed class OutageStorage : IGrainStorage
    {
        private IGrainStorage _inner = null!;
        private string? _from;
        private int _left;

        public int Failed { get; private set; }

        public IGrainStorage Over(IGrainStorage inner)
        {
            _inner = inner;
            return this;
        }

        /// <summary>From the write of child <paramref name="firstChild"/> on, the next <paramref name="failures"/> writes of its siblings fail.</summary>
        public void FailChildWrites(string firstChild, int failures)
        {
            _from = firstChild;
            _left = failures;
        }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var key = grainId.Key.ToString();
            if (_from is { } from && key == from)
            {
                _from = null; // The outage has begun; it ends after _left failures.
            }

            if (_from is null && _left > 0 && key.Contains('.', StringComparison.Ordinal))
            {
                lock (this)
                {
                    if (_left > 0)
                    {
                        _left--;
                        Failed++;
                        throw new OutageException();
                    }
                }
            }

            return _inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ClearStateAsync(stateName, grainId, grainState);
    }

    private sealed class OutageException() : DbException("the database is not reachable (a test's outage)")
    {
        public override bool IsTransient => true;
    }
}
