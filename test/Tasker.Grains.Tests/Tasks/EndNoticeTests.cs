using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using Tasker.Storage;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>
/// A parent's end reaches its waiting child even when the child cannot store it at first (docs/adr/035): the parent's
/// first notice fails, its due entry sends it again until the child takes it, and the child then runs, once.
/// </summary>
public sealed class EndNoticeTests : IAsyncLifetime
{
    private readonly OutageStorage _storage = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await OneSiloCluster.StartAsync(silo => silo.Services.AddKeyedSingleton<IGrainStorage>(TaskerStorage.Name, (services, _) =>
            _storage.Over(new InProcessGrainStorage(services.GetRequiredService<Serializer>()))));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_child_that_cannot_store_its_parents_end_at_first_is_told_again_by_the_due_entry_and_then_runs_once()
    {
        var client = "notice-" + Guid.NewGuid().ToString("N")[..8];
        var parentId = TaskIds.New();
        var childId = TaskIds.New();
        var parent = _cluster.Client.GetGrain<ITaskGrain>(parentId);
        var child = _cluster.Client.GetGrain<ITaskGrain>(childId);
        await parent.SubmitAsync(new TaskSubmission("count", """{"delay_ms":300,"to":2}""", client, TaskPriority.Normal));
        var waiting = await child.SubmitAsync(new TaskSubmission("sum2", """{"first":40,"second":2}""", client, TaskPriority.Normal, After: [parentId]));
        Assert.Equal(TaskPhase.Waiting, waiting.Phase);

        _storage.FailWrites(failures: 2, key => key == childId); // The child's storage is away when the parent ends, and for one try after.

        var task = await WaitForEndAsync(child, TimeSpan.FromSeconds(30));
        var parentTask = (await parent.GetAsync())!;

        Assert.Equal(2, _storage.Failed);
        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.Equal("42", task.ResultJson);
        Assert.True(task.StartedAt >= parentTask.FinishedAt, $"the child started at {task.StartedAt:O}, before its parent ended at {parentTask.FinishedAt:O}");
        Assert.True(task.StartedAt - parentTask.FinishedAt > TimeSpan.FromSeconds(1), "the child was not told again after a pause: did the first notice fail?");
    }

    [Fact]
    public async Task A_child_whose_activation_went_after_it_heard_of_one_parent_asks_that_parent_again_and_runs_once_all_have_ended()
    {
        var client = "recheck-" + Guid.NewGuid().ToString("N")[..8];
        var (quickId, slowId, childId) = (TaskIds.New(), TaskIds.New(), TaskIds.New());
        var quick = _cluster.Client.GetGrain<ITaskGrain>(quickId);
        var slow = _cluster.Client.GetGrain<ITaskGrain>(slowId);
        var child = _cluster.Client.GetGrain<ITaskGrain>(childId);
        await quick.SubmitAsync(new TaskSubmission("count", """{"delay_ms":211,"to":2}""", client, TaskPriority.Normal));
        await slow.SubmitAsync(new TaskSubmission("count", """{"delay_ms":212,"to":15}""", client, TaskPriority.Normal));
        await child.SubmitAsync(new TaskSubmission("sum-results", "{}", client, TaskPriority.Normal, After: [quickId, slowId]));
        await WaitForEndAsync(quick, TimeSpan.FromSeconds(20));
        await Task.Delay(300); // The child has heard of the quick parent, and keeps it in memory only.

        // Every idle activation goes, the child's with what it heard: only its parents (and its due entry) know now.
        await _cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var task = await WaitForEndAsync(child, TimeSpan.FromSeconds(30));
        var slowTask = (await slow.GetAsync())!;
        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.Equal("17", task.ResultJson); // 2 + 15: both parents' results, the quick one's learnt again.
        Assert.True(task.StartedAt >= slowTask.FinishedAt, $"the child started at {task.StartedAt:O}, before its last parent ended at {slowTask.FinishedAt:O}");
    }

    private static async Task<TaskSnapshot> WaitForEndAsync(ITaskGrain grain, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var task = (await grain.GetAsync())!;
        while (!task.Phase.IsFinal())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the child did not end; last seen {task}");
            task = await grain.WatchAsync(task.Version, TimeSpan.FromSeconds(1)) ?? task;
            await Task.Delay(50);
            task = (await grain.GetAsync())!;
        }

        return task;
    }
}
