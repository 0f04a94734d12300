using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using Tasker.Silo.Cluster;
using Tasker.Silo.Secrets;
using Tasker.Tasks;

namespace Tasker.Cluster.Tests;

/// <summary>
/// Two activations of one task racing on PostgreSQL: the storage ETag is the fence, and a stale activation drops
/// itself and re-reads instead of committing over the winner.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class StaleActivationTests(ClusterServers servers) : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = "stale-" + Guid.NewGuid().ToString("N")[..8];
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddTaskerPostgresStorage(servers.Postgres);
            silo.UseInMemoryReminderService();
            silo.Services.AddTaskerSecrets(Tasker.Silo.Hosting.TaskerMode.Embedded);
            silo.AddTaskerGrains(o => o.Configure(t => t.ChunkBudget = TimeSpan.FromMilliseconds(50)));
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainStorage Storage => _cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(TaskerStorage.Name);

    private static GrainId TaskGrainId(string id) => GrainId.Create("task", id);

    private async Task<GrainState<TaskState>> ReadStoredAsync(string id)
    {
        var stored = new GrainState<TaskState>(new TaskState());
        await Storage.ReadStateAsync("task", TaskGrainId(id), stored);
        return stored;
    }

    private async Task<TaskSnapshot> StartCountAsync(string id)
    {
        var grain = _cluster.Client.GetGrain<ITaskGrain>(id);
        var task = await grain.SubmitAsync(new TaskSubmission("count", """{"delay_ms":10,"to":1000000}""", "stale", TaskPriority.Normal));
        while (task.Progress!.Done < 10)
        {
            task = (await grain.WatchAsync(task.Version, TimeSpan.FromSeconds(5)))!;
        }

        return task;
    }

    [Fact]
    public async Task A_write_from_a_stale_copy_of_the_state_is_refused()
    {
        var id = TaskIds.New();
        await StartCountAsync(id);
        var stale = await ReadStoredAsync(id);
        var grain = _cluster.Client.GetGrain<ITaskGrain>(id);
        var before = (await grain.GetAsync())!.Version;
        while ((await grain.GetAsync())!.Version == before)
        {
            await Task.Delay(20); // The running activation commits its next checkpoint.
        }

        stale.State!.Phase = TaskPhase.Succeeded;
        stale.State!.ResultJson = "\"forged\"";
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("task", TaskGrainId(id), stale));

        await grain.CancelAsync();
        var stored = await ReadStoredAsync(id);
        Assert.Equal(TaskPhase.Cancelled, stored.State!.Phase);
        Assert.Null(stored.State!.ResultJson);
    }

    [Fact]
    public async Task A_running_activation_that_lost_the_race_stops_and_rereads_instead_of_committing()
    {
        var id = TaskIds.New();
        await StartCountAsync(id);

        // Another activation (simulated through the storage) commits first: it cancelled the task.
        var winner = await ReadStoredAsync(id);
        winner.State!.Phase = TaskPhase.Cancelled;
        winner.State!.Error = "cancelled by the other activation";
        winner.State!.FinishedAt = DateTimeOffset.UtcNow;
        winner.State!.Version += 1000;
        await Storage.WriteStateAsync("task", TaskGrainId(id), winner);

        // The running activation's next checkpoint conflicts; it must drop itself and, reactivated, see the winner.
        var grain = _cluster.Client.GetGrain<ITaskGrain>(id);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        TaskSnapshot? seen;
        while ((seen = await grain.GetAsync())!.Phase != TaskPhase.Cancelled)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the stale activation went on: {seen}");
            await Task.Delay(50);
        }

        Assert.Equal("cancelled by the other activation", seen.Error);
        await Task.Delay(500);
        var stored = await ReadStoredAsync(id);
        Assert.Equal(TaskPhase.Cancelled, stored.State!.Phase);
        Assert.Equal("cancelled by the other activation", stored.State!.Error);
        Assert.Equal(winner.ETag, stored.ETag);
    }
}
