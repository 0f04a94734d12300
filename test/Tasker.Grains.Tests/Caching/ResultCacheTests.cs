using Tasker.Testing;

namespace Tasker.Grains.Tests.Caching;

[Collection(ClusterCollection.Name)]
public sealed class ResultCacheTests(ClusterFixture fixture)
{
    private static string UniqueNumber() => UniqueParameters.Number().ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Concurrent_identical_short_requests_share_one_computation()
    {
        var parameters = $$"""{"first":{{UniqueNumber()}},"second":{{UniqueNumber()}}}""";
        var tasks = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ =>
            fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New()).SubmitAsync(new TaskSubmission("sum2", parameters, "cache-flight", TaskPriority.Normal))));

        Assert.All(tasks, t => Assert.Equal(TaskPhase.Succeeded, t.Phase));
        Assert.Single(tasks, t => !t.Cached);
        Assert.Single(tasks.Select(t => t.ResultJson).Distinct());
        Assert.Equal(25, tasks.Select(t => t.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_failed_or_cancelled_leader_hands_the_computation_to_a_follower()
    {
        var n = UniqueParameters.Int(5_000, 9_999);
        var leader = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var follower = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var submission = new TaskSubmission("sequence", $$"""{"n":{{n}}}""", "cache-leader", TaskPriority.Normal);

        Assert.Equal(TaskPhase.Running, (await leader.SubmitAsync(submission)).Phase);
        // Paused at once, so that it cannot end before the cancel (the sum is quick): the cancel, not a race, decides.
        Assert.Equal(TaskCommandStatus.Done, (await leader.PauseAsync()).Status);
        var waiting = await follower.SubmitAsync(submission);
        Assert.Equal(TaskPhase.Queued, waiting.Phase);

        await leader.CancelAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var task = await follower.GetAsync();
        while (!task!.Phase.IsFinal())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the follower did not finish; last seen {task}");
            task = await follower.WatchAsync(task.Version, TimeSpan.FromSeconds(2));
        }

        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.False(task.Cached);
        Assert.Equal(((long)n * (n + 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), task.ResultJson);
    }

    [Fact]
    public async Task A_follower_whose_leader_never_existed_takes_over_and_succeeds()
    {
        // The cache elected a leader whose first write then failed: no such task will ever report back.
        var n = UniqueParameters.Int(100, 999);
        var submission = new TaskSubmission("sequence", $$"""{"n":{{n}}}""", "cache-ghost", TaskPriority.Normal);
        var cache = fixture.Grains.GetGrain<IResultCacheGrain>(Tasker.Caching.ResultCacheKey.For(submission.Type, submission.ParametersJson));
        Assert.Equal(CacheLookupStatus.Lead, (await cache.JoinAsync(submission.Type, submission.ParametersJson, TaskIds.New())).Status);

        var follower = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var task = await follower.SubmitAsync(submission);
        Assert.Equal(TaskPhase.Queued, task.Phase);

        var deadline = DateTime.UtcNow.AddSeconds(30); // The fixture's reminder period is 2 s.
        while (!task!.Phase.IsFinal())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the follower still waits for a leader that does not exist; last seen {task}");
            task = await follower.WatchAsync(task.Version, TimeSpan.FromSeconds(2));
        }

        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.Equal(((long)n * (n + 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), task.ResultJson);
    }

    [Fact]
    public async Task A_finished_long_computation_answers_later_requests_as_cache_hits()
    {
        var submission = new TaskSubmission("sequence", $$"""{"n":{{UniqueParameters.Int(10, 99)}}}""", "cache-long", TaskPriority.Normal);
        var first = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var task = await first.SubmitAsync(submission);
        while (!task.Phase.IsFinal())
        {
            task = (await first.WatchAsync(task.Version, TimeSpan.FromSeconds(2)))!;
        }

        var repeat = await fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New()).SubmitAsync(submission);
        Assert.Equal(TaskPhase.Succeeded, repeat.Phase);
        Assert.True(repeat.Cached);
        Assert.Equal(task.ResultJson, repeat.ResultJson);
    }
}
