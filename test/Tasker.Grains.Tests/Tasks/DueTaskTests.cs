namespace Tasker.Grains.Tests.Tasks;

/// <summary>
/// A task asked for later waits as <see cref="TaskPhase.Scheduled"/> and starts once at its time, however many times
/// its due shard calls (a shard repeats a call it could not confirm, and a new owner re-reads what is overdue).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DueTaskTests(ClusterFixture fixture)
{
    private static TaskSubmission Later(string client, TimeSpan delay, string parameters = """{"first":20,"second":22}""") =>
        new("sum2", parameters, client, TaskPriority.Normal, RunAt: DateTimeOffset.UtcNow + delay);

    [Fact]
    public async Task A_task_due_later_is_scheduled_and_its_due_time_is_kept_to_the_millisecond()
    {
        var grain = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var submission = Later("due-kept", TimeSpan.FromHours(1));

        var task = await grain.SubmitAsync(submission);

        Assert.Equal(TaskPhase.Scheduled, task.Phase);
        Assert.Equal(submission.RunAt!.Value.ToUnixTimeMilliseconds(), task.RunAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(0, task.RunAt.Value.Ticks % TimeSpan.TicksPerMillisecond);
        Assert.Null(task.StartedAt);
        await grain.CancelAsync();
    }

    [Fact]
    public async Task Repeated_due_calls_start_the_task_once()
    {
        var grain = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var scheduled = await grain.SubmitAsync(Later("due-once", TimeSpan.FromHours(1)));

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => grain.DueAsync(scheduled.RunAt!.Value)));
        var after = await grain.GetAsync();
        var again = await grain.DueAsync(scheduled.RunAt!.Value);
        var last = await grain.GetAsync();

        Assert.All(answers, Assert.True);
        Assert.True(again);
        Assert.Equal(TaskPhase.Succeeded, after!.Phase);
        Assert.Equal("42", after.ResultJson);
        Assert.Equal(after.Version, last!.Version); // The later calls changed nothing.
        Assert.Equal(after.StartedAt, last.StartedAt);
    }

    [Fact]
    public async Task A_due_call_for_another_time_leaves_the_task_waiting()
    {
        var grain = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var scheduled = await grain.SubmitAsync(Later("due-other", TimeSpan.FromHours(1)));

        Assert.True(await grain.DueAsync(scheduled.RunAt!.Value.AddMinutes(-5)));

        Assert.Equal(TaskPhase.Scheduled, (await grain.GetAsync())!.Phase);
        await grain.CancelAsync();
    }

    [Fact]
    public async Task The_due_shards_start_a_task_at_its_time()
    {
        var grain = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var scheduled = await grain.SubmitAsync(Later("due-shard", TimeSpan.FromSeconds(1), """{"first":1,"second":2}"""));
        Assert.Equal(TaskPhase.Scheduled, scheduled.Phase);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        TaskSnapshot? task;
        do
        {
            await Task.Delay(100);
            task = await grain.GetAsync();
        }
        while (task!.Phase != TaskPhase.Succeeded && DateTime.UtcNow < deadline);

        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.True(task.StartedAt >= scheduled.RunAt, $"started at {task.StartedAt:O}, due at {scheduled.RunAt:O}");
    }

    [Fact]
    public async Task Run_now_starts_a_scheduled_task_and_a_later_due_call_changes_nothing()
    {
        var grain = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var scheduled = await grain.SubmitAsync(Later("due-runnow", TimeSpan.FromHours(1), """{"first":5,"second":5}"""));

        var started = await grain.RunNowAsync();
        Assert.Equal(TaskCommandStatus.Done, started.Status);
        Assert.Equal(TaskPhase.Succeeded, started.Task!.Phase);

        Assert.True(await grain.DueAsync(scheduled.RunAt!.Value));
        Assert.Equal(started.Task.Version, (await grain.GetAsync())!.Version);
        Assert.Equal(TaskCommandStatus.IllegalTransition, (await grain.RunNowAsync()).Status);
    }
}
