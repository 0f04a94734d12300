using Orleans.Core.Internal;
using Tasker.Handlers;
using Tasker.Testing;

namespace Tasker.Grains.Tests.Tasks;

[Collection(ClusterCollection.Name)]
public sealed class TaskGrainTests(ClusterFixture fixture)
{
    private static TaskSubmission Count(string client, long to, int delayMs) =>
        new("count", $$"""{"delay_ms":{{delayMs}},"to":{{to}}}""", client, TaskPriority.Normal);

    private ITaskGrain Task(string id) => fixture.Grains.GetGrain<ITaskGrain>(id);

    private static async Task<TaskSnapshot> WaitAsync(ITaskGrain grain, Func<TaskSnapshot, bool> until, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var task = await grain.GetAsync() ?? throw new InvalidOperationException("no such task");
        while (!until(task))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out; last seen {task}");
            task = await grain.WatchAsync(task.Version, TimeSpan.FromSeconds(1)) ?? throw new InvalidOperationException("task vanished");
        }

        return task;
    }

    [Fact]
    public async Task SubmitAsync_finishes_a_short_task_in_one_call()
    {
        var grain = Task(TaskIds.New());
        var task = await grain.SubmitAsync(new TaskSubmission("sum2", """{"first":40,"second":2}""", "grain-sum", TaskPriority.High));

        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.Equal("42", task.ResultJson);
        Assert.Equal(TaskPriority.High, task.Priority);
        Assert.NotNull(task.FinishedAt);
    }

    [Fact]
    public async Task SubmitAsync_twice_returns_the_first_task_unchanged()
    {
        var grain = Task(TaskIds.New());
        var first = await grain.SubmitAsync(new TaskSubmission("sum2", """{"first":1,"second":1}""", "grain-idem", TaskPriority.Normal));
        var second = await grain.SubmitAsync(new TaskSubmission("sum2", """{"first":5,"second":5}""", "grain-idem", TaskPriority.Normal));

        Assert.Equal(first, second);
        Assert.Equal("2", second.ResultJson);
    }

    [Fact]
    public async Task GetAsync_of_an_unknown_id_is_null()
    {
        Assert.Null(await Task(TaskIds.New()).GetAsync());
        Assert.Equal(TaskCommandStatus.NotFound, (await Task(TaskIds.New()).PauseAsync()).Status);
    }

    [Fact]
    public async Task A_count_task_counts_to_its_end_with_progress()
    {
        var grain = Task(TaskIds.New());
        var started = await grain.SubmitAsync(Count("grain-count", 30, 5));
        Assert.Equal(TaskPhase.Running, started.Phase);
        Assert.Equal(new TaskProgress(0, 30), started.Progress);

        var done = await WaitAsync(grain, t => t.Phase.IsFinal());
        Assert.Equal(TaskPhase.Succeeded, done.Phase);
        Assert.Equal("30", done.ResultJson);
        Assert.Equal(new TaskProgress(30, 30), done.Progress);
    }

    [Fact]
    public async Task Pause_keeps_the_checkpoint_and_resume_goes_on_from_it()
    {
        var grain = Task(TaskIds.New());
        await grain.SubmitAsync(Count("grain-pause", 200, 5));
        await WaitAsync(grain, t => t.Progress!.Done >= 10);

        var paused = (await grain.PauseAsync()).Task!;
        Assert.Equal(TaskPhase.Paused, paused.Phase);
        await System.Threading.Tasks.Task.Delay(200);
        var still = (await grain.GetAsync())!;
        Assert.Equal(paused.Progress, still.Progress);

        var resumed = await grain.ResumeAsync();
        Assert.Equal(TaskCommandStatus.Done, resumed.Status);
        var moved = await WaitAsync(grain, t => t.Progress!.Done > paused.Progress!.Done);
        Assert.Equal(TaskPhase.Running, moved.Phase);
        Assert.Equal(TaskCommandStatus.Done, (await grain.CancelAsync()).Status);
    }

    [Fact]
    public async Task Illegal_transitions_are_refused_with_the_phase_named()
    {
        var grain = Task(TaskIds.New());
        await grain.SubmitAsync(new TaskSubmission("sum2", """{"first":1,"second":2}""", "grain-illegal", TaskPriority.Normal));

        foreach (var command in new Func<Task<TaskCommandResult>>[] { grain.PauseAsync, grain.ResumeAsync, grain.CancelAsync })
        {
            var outcome = await command();
            Assert.Equal(TaskCommandStatus.IllegalTransition, outcome.Status);
            Assert.Contains("succeeded", outcome.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Cancel_stops_a_running_task_and_it_stays_cancelled()
    {
        var grain = Task(TaskIds.New());
        await grain.SubmitAsync(Count("grain-cancel", 10_000, 5));
        await WaitAsync(grain, t => t.Progress!.Done > 0);

        var cancelled = (await grain.CancelAsync()).Task!;
        Assert.Equal(TaskPhase.Cancelled, cancelled.Phase);
        await System.Threading.Tasks.Task.Delay(200);
        var later = (await grain.GetAsync())!;
        Assert.Equal(TaskPhase.Cancelled, later.Phase);
        Assert.Equal(cancelled.Progress, later.Progress);
    }

    [Fact]
    public async Task Delete_forgets_an_ended_task_and_refuses_a_running_one()
    {
        var grain = Task(TaskIds.New());
        await grain.SubmitAsync(Count("grain-delete", 10_000, 5));
        Assert.Equal(TaskCommandStatus.IllegalTransition, (await grain.DeleteAsync()).Status);

        await grain.CancelAsync();
        Assert.Equal(TaskCommandStatus.Done, (await grain.DeleteAsync()).Status);
        Assert.Null(await grain.GetAsync());
    }

    [Fact]
    public async Task A_deactivated_running_task_is_woken_and_goes_on_from_its_checkpoint()
    {
        var client = "grain-wake-" + Guid.NewGuid().ToString("N")[..8];
        var id = TaskIds.New();
        var grain = Task(id);
        await grain.SubmitAsync(Count(client, 100, 20));
        var before = await WaitAsync(grain, t => t.Progress!.Done >= 5);

        // Drop the activation, as a silo's death would; then only watch the client's history, so that
        // the task grain is not called: its reminder alone must bring it back.
        await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var history = fixture.Grains.GetGrain<IClientGrain>(client);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await history.QueryAsync(new HistoryQuery(10))).Entries.Single().Phase != TaskPhase.Succeeded)
        {
            Assert.True(DateTime.UtcNow < deadline, "the task was not woken by its reminder");
            await System.Threading.Tasks.Task.Delay(200);
        }

        var after = (await grain.GetAsync())!;
        Assert.Equal("100", after.ResultJson);
        Assert.True(after.Progress!.Done >= before.Progress!.Done);
    }

    [Fact]
    public async Task Sequence_adds_1_to_n_through_child_sum2_tasks()
    {
        var id = TaskIds.New();
        var grain = Task(id);
        var n = UniqueParameters.Int(50, 150); // Its own computation: a cache hit would make no children.
        var sum = (n * (n + 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await grain.SubmitAsync(new TaskSubmission("sequence", $$"""{"n":{{n}}}""", "grain-seq-" + Guid.NewGuid().ToString("N")[..8], TaskPriority.Normal));

        var done = await WaitAsync(grain, t => t.Phase.IsFinal());
        Assert.Equal(sum, done.ResultJson);
        var lastChild = await Task($"{id}.{n}").GetAsync();
        Assert.Equal(sum, lastChild!.ResultJson); // The last child adds the whole tree's sum to the running total.
        Assert.Equal(id, lastChild.ParentId);
        var firstChild = await Task($"{id}.1").GetAsync();
        Assert.Equal("""{"first":1,"second":2}""", firstChild!.ParametersJson); // The tree's first pair.
        Assert.Null(await Task($"{id}.{n + 1}").GetAsync());
        Assert.Equal(new TaskProgress(n, n), done.Progress);
    }

    [Fact]
    public async Task Sequence_over_several_blocks_makes_exactly_n_children_and_the_right_sum()
    {
        var id = TaskIds.New();
        var grain = Task(id);
        var n = (2 * SequenceHandler.BlockSize) + 7;
        await grain.SubmitAsync(new TaskSubmission("sequence", $$"""{"n":{{n}}}""", "grain-seq-" + Guid.NewGuid().ToString("N")[..8], TaskPriority.Normal));

        var done = await WaitAsync(grain, t => t.Phase.IsFinal());
        var expected = ((long)n * (n + 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, done.ResultJson);
        Assert.Equal(new TaskProgress(n, n), done.Progress);
        Assert.Equal(expected, (await Task($"{id}.{n}").GetAsync())!.ResultJson);
        Assert.Null(await Task($"{id}.{n + 1}").GetAsync());
        // The second block starts where the first ended: its first child adds the block's first two terms.
        var second = SequenceHandler.BlockSize + 1;
        Assert.Equal($$"""{"first":{{second}},"second":{{second + 1}}}""", (await Task($"{id}.{second}").GetAsync())!.ParametersJson);
    }

    [Fact]
    public async Task Sequence_meets_a_child_stored_before_instead_of_overwriting_it()
    {
        var id = TaskIds.New();
        var client = "grain-seq-" + Guid.NewGuid().ToString("N")[..8];
        // A child under the first child's id, as an earlier run (or an older version of the handler) left it.
        await Task($"{id}.1").SubmitAsync(new TaskSubmission("sum2", """{"first":0,"second":1}""", client, TaskPriority.Normal, id));

        // Its own computation: a cache hit from another test's run made this test succeed where it must fail.
        await Task(id).SubmitAsync(new TaskSubmission("sequence", $$"""{"n":{{UniqueParameters.Int(2, 10)}}}""", client, TaskPriority.Normal));

        var done = await WaitAsync(Task(id), t => t.Phase.IsFinal());
        Assert.Equal(TaskPhase.Failed, done.Phase);
        Assert.Contains("made with other parameters", done.Error, StringComparison.Ordinal);
        Assert.Equal("""{"first":0,"second":1}""", (await Task($"{id}.1").GetAsync())!.ParametersJson);
    }
}
