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
        var n = 3 * Tasker.Handlers.SequenceHandler.BlockSize;
        // The outage starts at the second block's first child and lasts for the next few writes of children.
        var begun = false;
        var firstFailing = $"{id}.{Tasker.Handlers.SequenceHandler.BlockSize + 1}";
        _storage.FailWrites(failures: 5, key => (begun |= key == firstFailing) && key.Contains('.', StringComparison.Ordinal));

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
}
