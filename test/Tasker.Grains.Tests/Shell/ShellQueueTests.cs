using System.Diagnostics;
using Orleans.Core.Internal;
using Tasker.Shell;

namespace Tasker.Grains.Tests.Shell;

/// <summary>The shell queue grain and the task grain's leases, on a two-silo test cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ShellQueueTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private static TaskSubmission Shell(string command) =>
        new("shell", $$"""{"command":"{{command}}","timeout_s":60}""", "grain-shell", TaskPriority.Normal);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static ShellReport Report(int exitCode) => new(exitCode, "", "", false, false, false, 1);

    [Fact]
    public async Task The_queue_refuses_a_task_beyond_its_bound_stores_nothing_of_it_and_takes_one_again_when_room_is_made()
    {
        var queue = _grains.GetGrain<IShellQueueGrain>(0);
        var accepted = new List<string>();
        for (var i = 0; i < ClusterFixture.ShellQueueLimit; i++)
        {
            var id = TaskIds.New();
            var task = await _grains.GetGrain<ITaskGrain>(id).SubmitAsync(Shell($"echo {i}"));
            Assert.Equal(TaskPhase.Queued, task.Phase);
            accepted.Add(id);
        }

        var refusedId = TaskIds.New();
        await Assert.ThrowsAsync<ShellQueueFullException>(() => _grains.GetGrain<ITaskGrain>(refusedId).SubmitAsync(Shell("echo late")));
        Assert.Null(await _grains.GetGrain<ITaskGrain>(refusedId).GetAsync());

        // A leased task still counts against the bound; a finished one does not.
        var grant = await queue.PickAsync("grain-test");
        Assert.NotNull(grant);
        await Assert.ThrowsAsync<ShellQueueFullException>(() => _grains.GetGrain<ITaskGrain>(TaskIds.New()).SubmitAsync(Shell("echo late")));
        Assert.Equal(ShellCallStatus.Done, (await _grains.GetGrain<IShellTaskGrain>(grant.TaskId).FinishAsync(grant.Lease, Report(0))).Status);
        var roomId = TaskIds.New();
        Assert.Equal(TaskPhase.Queued, (await _grains.GetGrain<ITaskGrain>(roomId).SubmitAsync(Shell("echo room"))).Phase);
        accepted.Add(roomId);

        // Leave the queue empty for the next test: every queued task is picked and finished, in creation order.
        var order = new List<string>();
        while (await queue.PickAsync("grain-test") is { } next)
        {
            order.Add(next.TaskId);
            await _grains.GetGrain<IShellTaskGrain>(next.TaskId).FinishAsync(next.Lease, Report(0));
        }

        Assert.Equal(accepted.Where(id => id != grant.TaskId), order);
    }

    [Fact]
    public async Task A_queued_task_wakes_one_waiting_pick_not_every_one()
    {
        var queue = _grains.GetGrain<IShellQueueGrain>(0);
        await FinishEveryQueuedAsync(queue, [await SubmitAsync("echo warm")]); // The calls below are timed: none is the first of its kind.

        // A fresh activation, so that its sweeps (every second) come at known times: about 1 s and 2 s from now.
        await queue.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Null(await queue.PickAsync("grain-test")); // Its store still lists the warm task (picks are not stored): gone now.
        var activated = Stopwatch.StartNew();
        var waits = Enumerable.Range(0, 3).Select(_ => queue.WaitForWorkAsync(TimeSpan.FromSeconds(20))).ToList();
        await Task.Delay(Max(TimeSpan.Zero, TimeSpan.FromMilliseconds(700) - activated.Elapsed)); // All three wait.
        Assert.All(waits, wait => Assert.False(wait.IsCompleted));

        var ids = new List<string> { TaskIds.New() };
        await _grains.GetGrain<ITaskGrain>(ids[0]).SubmitAsync(Shell("echo one"));
        var woken = await Task.WhenAny(waits).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await woken);
        // The woken agent takes its time to come back, though less than a sweep: the sweep at 1 s comes meanwhile, and
        // it must not send a second agent for a task queued less than a sweep before.
        await Task.Delay(Max(TimeSpan.Zero, TimeSpan.FromMilliseconds(1300) - activated.Elapsed));
        Assert.Equal(1, waits.Count(wait => wait.IsCompleted));
        var picked = await queue.PickAsync("grain-test"); // As the woken agent does.
        Assert.Equal(ids[0], picked!.TaskId);
        Assert.Equal(ShellCallStatus.Done, (await _grains.GetGrain<IShellTaskGrain>(ids[0]).FinishAsync(picked.Lease, Report(0))).Status);
        await Task.Delay(300);
        Assert.Equal(1, waits.Count(wait => wait.IsCompleted)); // The other two still wait: they were not woken for it.

        ids.Add(TaskIds.New());
        ids.Add(TaskIds.New());
        await _grains.GetGrain<ITaskGrain>(ids[1]).SubmitAsync(Shell("echo two"));
        await _grains.GetGrain<ITaskGrain>(ids[2]).SubmitAsync(Shell("echo three"));
        Assert.All(await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(10)), Assert.True);

        await FinishEveryQueuedAsync(queue, ids[1..]);
    }

    [Fact]
    public async Task A_task_whose_woken_pick_went_away_wakes_another_waiting_pick_within_a_sweep()
    {
        var queue = _grains.GetGrain<IShellQueueGrain>(0);
        var first = queue.WaitForWorkAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(100);
        var second = queue.WaitForWorkAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(100);

        var id = TaskIds.New();
        await _grains.GetGrain<ITaskGrain>(id).SubmitAsync(Shell("echo astray"));
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(10))); // Woken first, and its agent never picks.

        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(5)), "the task waited with an idle agent beyond a sweep");
        await FinishEveryQueuedAsync(queue, [id]);
    }

    [Fact]
    public async Task A_pick_ahead_takes_nothing_while_another_agent_waits_and_takes_the_next_task_when_none_does()
    {
        var queue = _grains.GetGrain<IShellQueueGrain>(0);
        var idle = Enumerable.Range(0, 2).Select(_ => queue.WaitForWorkAsync(TimeSpan.FromSeconds(3))).ToList();
        await Task.Delay(200);
        var id = TaskIds.New();
        await _grains.GetGrain<ITaskGrain>(id).SubmitAsync(Shell("echo ahead"));
        await Task.WhenAny(idle).WaitAsync(TimeSpan.FromSeconds(10)); // One is woken for the task; the other still waits.

        Assert.Null(await queue.PickAheadAsync("grain-busy")); // The task is for an agent that waits, not one that is busy.
        var picked = await queue.PickAsync("grain-idle");
        Assert.Equal(id, picked!.TaskId);
        await _grains.GetGrain<IShellTaskGrain>(id).FinishAsync(picked.Lease, Report(0));
        await Task.WhenAll(idle).WaitAsync(TimeSpan.FromSeconds(10)); // The other times out: no agent waits any more.

        var next = TaskIds.New();
        await _grains.GetGrain<ITaskGrain>(next).SubmitAsync(Shell("echo next"));
        var held = await queue.PickAheadAsync("grain-busy");
        Assert.Equal(next, held!.TaskId);
        Assert.Equal(ShellCallStatus.Done, (await _grains.GetGrain<IShellTaskGrain>(next).FinishAsync(held.Lease, Report(0))).Status);
    }

    private async Task<string> SubmitAsync(string command)
    {
        var id = TaskIds.New();
        await _grains.GetGrain<ITaskGrain>(id).SubmitAsync(Shell(command));
        return id;
    }

    /// <summary>Picks and finishes every queued task, which must be <paramref name="expected"/>: the next test finds the queue empty.</summary>
    private async Task FinishEveryQueuedAsync(IShellQueueGrain queue, IReadOnlyCollection<string> expected)
    {
        var finished = new List<string>();
        while (await queue.PickAsync("grain-test") is { } next)
        {
            finished.Add(next.TaskId);
            Assert.Equal(ShellCallStatus.Done, (await _grains.GetGrain<IShellTaskGrain>(next.TaskId).FinishAsync(next.Lease, Report(0))).Status);
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), finished.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_pick_the_queue_never_stored_is_found_leased_by_its_next_activation_and_watched_not_lost()
    {
        var id = TaskIds.New();
        await _grains.GetGrain<ITaskGrain>(id).SubmitAsync(Shell("echo held"));
        var queue = _grains.GetGrain<IShellQueueGrain>(0);
        var grant = await queue.PickAsync("grain-test");
        Assert.Equal(id, grant!.TaskId);

        // A pick is not stored: the queue's next activation (as after the loss of its silo) reads the task as queued.
        await queue.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Null(await queue.PickAsync("grain-other")); // The task says it is leased: not handed out twice...
        var view = await queue.ViewAsync();
        Assert.Equal((0, 1), (view.Queued, view.Leased)); // ...and its lease is watched from now on.
        Assert.Equal(TaskPhase.Running, (await _grains.GetGrain<ITaskGrain>(id).GetAsync())!.Phase);

        Assert.Equal(ShellCallStatus.Done, (await _grains.GetGrain<IShellTaskGrain>(id).FinishAsync(grant.Lease, Report(0))).Status);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await queue.ViewAsync()).Leased != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the queue still watches a finished task");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_lease_can_finish_once_and_a_forged_or_repeated_one_changes_nothing()
    {
        var id = TaskIds.New();
        await _grains.GetGrain<ITaskGrain>(id).SubmitAsync(Shell("echo once"));
        var grant = await _grains.GetGrain<IShellQueueGrain>(0).PickAsync("grain-test");
        Assert.Equal(id, grant!.TaskId);
        var shell = _grains.GetGrain<IShellTaskGrain>(id);

        Assert.Equal(ShellCallStatus.StaleLease, (await shell.FinishAsync(grant.Lease + "x", Report(0))).Status);
        Assert.Equal(TaskPhase.Running, (await _grains.GetGrain<ITaskGrain>(id).GetAsync())!.Phase);
        var first = await shell.FinishAsync(grant.Lease, Report(7));
        Assert.Equal(ShellCallStatus.Done, first.Status);
        Assert.Equal(TaskPhase.Failed, first.Task!.Phase);
        var again = await shell.FinishAsync(grant.Lease, Report(0));
        Assert.Equal(ShellCallStatus.StaleLease, again.Status);
        Assert.Equal(first.Task.Version, (await _grains.GetGrain<ITaskGrain>(id).GetAsync())!.Version);
    }
}
