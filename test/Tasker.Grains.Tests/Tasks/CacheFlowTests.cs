using System.Globalization;
using Tasker.Testing;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>
/// A task of the result cache (docs/adr/003) that others run after (docs/adr/035): however it ends, as the leader that
/// computed, as a follower told by its leader, or as a follower that took over, its end reaches the tasks waiting on it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CacheFlowTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_leaders_end_and_its_followers_end_each_reach_the_tasks_that_wait_on_them()
    {
        var (client, submission, sum) = Sequence("cache-flow");
        var leader = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var follower = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        Assert.Equal(TaskPhase.Running, (await leader.SubmitAsync(submission)).Phase);
        Assert.Equal(TaskCommandStatus.Done, (await leader.PauseAsync()).Status); // Held, so that the follower joins behind it.
        Assert.Equal(TaskPhase.Queued, (await follower.SubmitAsync(submission)).Phase);
        var afterLeader = await WaitingAfterAsync(client, leader);
        var afterFollower = await WaitingAfterAsync(client, follower);

        Assert.Equal(TaskCommandStatus.Done, (await leader.ResumeAsync()).Status);

        var followed = await UntilFinalAsync(follower);
        Assert.Equal(TaskPhase.Succeeded, followed.Phase);
        Assert.True(followed.Cached); // Its leader's result, as the cache tells it.
        Assert.Equal(sum, followed.ResultJson);
        foreach (var child in new[] { afterLeader, afterFollower })
        {
            var task = await UntilFinalAsync(child);
            Assert.Equal(TaskPhase.Succeeded, task.Phase);
            Assert.Equal(sum, task.ResultJson);
        }
    }

    [Fact]
    public async Task A_cancelled_leaders_end_and_the_end_of_the_follower_that_took_over_each_reach_the_tasks_that_wait_on_them()
    {
        var (client, submission, sum) = Sequence("cache-takeover");
        var leader = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var follower = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        Assert.Equal(TaskPhase.Running, (await leader.SubmitAsync(submission)).Phase);
        Assert.Equal(TaskCommandStatus.Done, (await leader.PauseAsync()).Status);
        Assert.Equal(TaskPhase.Queued, (await follower.SubmitAsync(submission)).Phase);
        var afterLeader = await WaitingAfterAsync(client, leader);
        var afterFollower = await WaitingAfterAsync(client, follower);

        Assert.Equal(TaskCommandStatus.Done, (await leader.CancelAsync()).Status);

        var tookOver = await UntilFinalAsync(follower);
        Assert.Equal(TaskPhase.Succeeded, tookOver.Phase);
        Assert.Equal(sum, tookOver.ResultJson);
        var failed = await UntilFinalAsync(afterLeader);
        Assert.Equal(TaskPhase.Cancelled, failed.Phase);
        Assert.Equal(TaskErrorCodes.DependencyFailed, failed.ErrorCode);
        var ran = await UntilFinalAsync(afterFollower);
        Assert.Equal(TaskPhase.Succeeded, ran.Phase);
        Assert.Equal(sum, ran.ResultJson);
    }

    /// <summary>A long cacheable computation no other test asks for, and its result.</summary>
    private static (string Client, TaskSubmission Submission, string Sum) Sequence(string prefix)
    {
        // Tens of thousands of children: ten thousand could end (in 130 ms) before the pause that follows its submission.
        var n = UniqueParameters.Int(50_000, 99_999);
        var client = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        var sum = ((long)n * (n + 1) / 2).ToString(CultureInfo.InvariantCulture);
        return (client, new TaskSubmission("sequence", $$"""{"n":{{n}}}""", client, TaskPriority.Normal), sum);
    }

    private async Task<ITaskGrain> WaitingAfterAsync(string client, ITaskGrain parent)
    {
        var child = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var task = await child.SubmitAsync(new TaskSubmission("sum-results", "{}", client, TaskPriority.Normal, After: [parent.GetPrimaryKeyString()]));
        Assert.Equal(TaskPhase.Waiting, task.Phase);
        return child;
    }

    private static async Task<TaskSnapshot> UntilFinalAsync(ITaskGrain grain)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var task = (await grain.GetAsync())!;
        while (!task.Phase.IsFinal())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the task did not end; last seen {task}");
            task = await grain.WatchAsync(task.Version, TimeSpan.FromSeconds(2)) ?? task;
        }

        return task;
    }
}
