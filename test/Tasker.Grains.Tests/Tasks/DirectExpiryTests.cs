using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using Tasker.Storage;
using Tasker.Tasks;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>
/// Expiring a short task straight from storage when one silo is the whole cluster (docs/adr/025): only a task no
/// activation holds, only once it is old enough, with the cache entry it computed; anything else is left to its grain.
/// </summary>
public sealed class DirectExpiryTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    private IServiceProvider Silo => _cluster.Silos[0].ServiceProvider;

    private InstantTasks Instant => Silo.GetRequiredService<InstantTasks>();

    public async Task InitializeAsync() =>
        _cluster = await OneSiloCluster.StartAsync(silo => silo.AddTaskerInProcessStorage(), silo => silo.Services.AddSingleton(new TaskActivations(wholeCluster: true)));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task<(string Id, TaskSubmission Submission)> StoredShortTaskAsync()
    {
        var id = TaskIds.New();
        var submission = new TaskSubmission("sum2", $$"""{"first":{{Random.Shared.Next()}},"second":7}""", "direct-expiry", TaskPriority.Normal);
        Assert.Equal(TaskPhase.Succeeded, (await Instant.TrySubmitAsync(id, submission))!.Phase);
        return (id, submission);
    }

    private async Task<bool> IsStoredAsync(string id)
    {
        var stored = new GrainState<TaskState>(new TaskState());
        await Silo.GetRequiredKeyedService<IGrainStorage>(TaskerStorage.Name).ReadStateAsync(TaskGrain.StateName, Instant.TaskGrainId(id), stored);
        return stored.State is { Exists: true };
    }

    [Fact]
    public async Task A_short_task_no_activation_holds_goes_from_storage_with_the_cache_entry_it_computed()
    {
        var (id, submission) = await StoredShortTaskAsync();

        Assert.True(await Instant.TryExpireStoredAsync(id, DateTimeOffset.MaxValue));

        Assert.False(await IsStoredAsync(id));
        Assert.Null(await _cluster.Client.GetGrain<ITaskGrain>(id).GetAsync());
        var again = await Instant.TrySubmitAsync(TaskIds.New(), submission);
        Assert.False(again!.Cached); // Its cache entry went with it: the same request computes afresh.
    }

    [Fact]
    public async Task A_task_that_a_child_asked_to_keep_it_stays_while_that_child_is_not_stored_yet()
    {
        // The race a retention sweep met: a child asks its parent to keep it (stored by the parent), then stores
        // itself; a sweep between the two found the child nowhere and expired the parent it had just been promised.
        var (id, _) = await StoredShortTaskAsync();
        var parent = _cluster.Client.GetGrain<ITaskGrain>(id);
        Assert.Equal(ParentAnswerKind.Ended, (await parent.AddChildAsync(TaskIds.New(), "direct-expiry")).Kind); // A child on its way.

        Assert.Null(await Instant.TryExpireStoredAsync(id, DateTimeOffset.MaxValue)); // Its grain decides: it has a child.
        Assert.False(await parent.ExpireAsync(DateTimeOffset.MaxValue));
        Assert.True(await IsStoredAsync(id));
    }

    [Fact]
    public async Task A_short_task_that_ended_after_the_limit_stays()
    {
        var (id, _) = await StoredShortTaskAsync();

        Assert.False(await Instant.TryExpireStoredAsync(id, DateTimeOffset.UtcNow.AddHours(-1)));

        Assert.True(await IsStoredAsync(id));
    }

    [Fact]
    public async Task A_task_whose_grain_is_active_is_left_to_its_grain_which_then_expires_it()
    {
        var (id, _) = await StoredShortTaskAsync();
        var grain = _cluster.Client.GetGrain<ITaskGrain>(id);
        Assert.NotNull(await grain.GetAsync()); // Now an activation holds the state.

        Assert.Null(await Instant.TryExpireStoredAsync(id, DateTimeOffset.MaxValue));
        Assert.True(await IsStoredAsync(id));

        Assert.True(await grain.ExpireAsync(DateTimeOffset.MaxValue));
        Assert.False(await IsStoredAsync(id));
    }

    [Fact]
    public void Activations_are_counted_so_that_a_task_is_active_until_its_last_activation_leaves()
    {
        var activations = new TaskActivations(wholeCluster: true);
        activations.Enter("t");
        activations.Enter("t");

        activations.Leave("t");
        Assert.True(activations.IsActive("t"));
        activations.Leave("t");
        Assert.False(activations.IsActive("t"));
        activations.Leave("t"); // A leave without an enter changes nothing.
        Assert.False(activations.IsActive("t"));
    }
}
