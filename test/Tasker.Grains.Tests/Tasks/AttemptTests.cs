namespace Tasker.Grains.Tests.Tasks;

/// <summary>
/// Retries and timeouts: a failed attempt waits for the next through the due shards, with the pauses its policy sets;
/// the last failure ends the task failed; an attempt past its timeout is stopped with the code timeout.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AttemptTests(ClusterFixture fixture)
{
    private static readonly TimeSpan _pause = TimeSpan.FromMilliseconds(400);

    private static TaskSubmission Flaky(string key, int failures, RetryPolicy? retry) =>
        new(FlakyHandler.TypeName, $$"""{"failures":{{failures}},"key":"{{key}}"}""", "attempts", TaskPriority.Normal, Retry: retry);

    private async Task<TaskSnapshot> WaitForEndAsync(ITaskGrain grain, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var task = (await grain.GetAsync())!;
            if (task.Phase.IsFinal() || DateTime.UtcNow > deadline)
            {
                return task;
            }

            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_type_that_fails_twice_then_succeeds_ends_succeeded_on_attempt_3_after_the_policys_pauses()
    {
        var key = Guid.NewGuid().ToString("N");
        var grain = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());

        var first = await grain.SubmitAsync(Flaky(key, failures: 2, new RetryPolicy(5, Exponential: false, _pause, 1, _pause, Jitter: 0)));
        Assert.Equal(TaskPhase.Scheduled, first.Phase); // The first attempt failed within the submission; the second waits.
        Assert.Equal(2, first.Attempt);
        Assert.NotNull(first.NextAttemptAt);

        var task = await WaitForEndAsync(grain, TimeSpan.FromSeconds(20));

        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.Equal("3", task.ResultJson);
        Assert.Equal(3, task.Attempt);
        Assert.Equal(5, task.MaxAttempts);
        Assert.Equal([1, 2], task.FailedAttempts!.Select(a => a.Attempt));
        Assert.All(task.FailedAttempts!, a => Assert.Contains("fails on purpose", a.Error, StringComparison.Ordinal));
        var runs = FlakyHandler.Runs(key);
        Assert.Equal(3, runs.Count);
        for (var i = 1; i < runs.Count; i++)
        {
            // Never sooner than the policy's pause (stored to the millisecond, hence the millisecond's grace).
            Assert.True(runs[i] - runs[i - 1] >= _pause - TimeSpan.FromMilliseconds(1), $"run {i + 1} came {runs[i] - runs[i - 1]} after run {i}");
        }
    }

    [Fact]
    public async Task The_last_allowed_attempt_failing_ends_the_task_failed_with_every_attempts_error()
    {
        var key = Guid.NewGuid().ToString("N");
        var grain = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());

        await grain.SubmitAsync(Flaky(key, failures: 10, new RetryPolicy(2, Exponential: true, TimeSpan.FromMilliseconds(100), 2, TimeSpan.FromSeconds(1), 0)));
        var task = await WaitForEndAsync(grain, TimeSpan.FromSeconds(20));

        Assert.Equal(TaskPhase.Failed, task.Phase);
        Assert.Equal(2, task.Attempt);
        Assert.Contains("run 2 of", task.Error, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(task.FailedAttempts!).Attempt);
        Assert.Equal(2, FlakyHandler.Runs(key).Count);
    }

    [Fact]
    public async Task Without_a_policy_a_failure_ends_the_task_at_once()
    {
        var key = Guid.NewGuid().ToString("N");
        var grain = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());

        var task = await grain.SubmitAsync(Flaky(key, failures: 1, retry: null));

        Assert.Equal(TaskPhase.Failed, task.Phase);
        Assert.Equal(1, task.MaxAttempts);
        Assert.Null(task.FailedAttempts);
    }

    [Fact]
    public async Task An_attempt_past_its_timeout_is_cancelled_with_the_code_timeout_and_retried_when_allowed()
    {
        var grain = fixture.Grains.GetGrain<ITaskGrain>(TaskIds.New());
        var submission = new TaskSubmission("count", """{"delay_ms":50,"to":1000000}""", "timeouts", TaskPriority.Normal,
            Retry: new RetryPolicy(2, Exponential: false, TimeSpan.FromMilliseconds(200), 1, TimeSpan.FromMilliseconds(200), 0),
            Timeout: TimeSpan.FromMilliseconds(600));

        var started = await grain.SubmitAsync(submission);
        Assert.Equal(TaskPhase.Running, started.Phase);
        var task = await WaitForEndAsync(grain, TimeSpan.FromSeconds(20));

        Assert.Equal(TaskPhase.Cancelled, task.Phase);
        Assert.Equal("timeout", task.ErrorCode);
        Assert.Equal(2, task.Attempt);
        var first = Assert.Single(task.FailedAttempts!);
        Assert.Equal("timeout", first.Code);
        Assert.True(first.EndedAt - first.StartedAt >= TimeSpan.FromMilliseconds(599), $"the first attempt ended after {first.EndedAt - first.StartedAt}");
    }

    [Theory]
    [InlineData(2, 1.0)]
    [InlineData(3, 2.0)]
    [InlineData(4, 4.0)]
    [InlineData(5, 8.0)]
    [InlineData(9, 10.0)] // Capped at max_delay.
    public void Exponential_pauses_grow_by_the_multiplier_up_to_the_cap(int attempt, double seconds)
    {
        var policy = new RetryPolicy(10, Exponential: true, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10), Jitter: 0);

        Assert.Equal(TimeSpan.FromSeconds(seconds), policy.DelayBefore(attempt, random: 0.5));
    }

    [Fact]
    public void Jitter_spreads_a_pause_within_its_share_either_way()
    {
        var policy = new RetryPolicy(3, Exponential: false, TimeSpan.FromSeconds(10), 1, TimeSpan.FromSeconds(10), Jitter: 0.2);

        Assert.Equal(TimeSpan.FromSeconds(8), policy.DelayBefore(2, random: 0));
        Assert.Equal(TimeSpan.FromSeconds(10), policy.DelayBefore(2, random: 0.5));
        Assert.InRange(policy.DelayBefore(2, random: 0.999), TimeSpan.FromSeconds(11.9), TimeSpan.FromSeconds(12));
    }
}
