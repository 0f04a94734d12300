using Microsoft.Extensions.Time.Testing;
using Tasker.Caching;
using Tasker.Tasks;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>A task's part in the result cache's leader/follower protocol, against a scripted cache entry, without a cluster.</summary>
public sealed class CacheParticipationTests
{
    private readonly RecordingTaskHost _host = new();
    private readonly ScriptedCacheEntry _entry = new();
    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly List<string> _keys = [];

    private CacheParticipation Participation(ScriptedChunks? chunks = null) =>
        new(_host, (chunks ?? new ScriptedChunks()).Registry(), new FakeTimeProvider(Noon), key =>
        {
            _keys.Add(key);
            return _entry;
        });

    private void Following(string leader)
    {
        _host.State.Phase = TaskPhase.Queued;
        _host.State.LeaderId = leader;
    }

    [Fact]
    public async Task Joining_behind_a_leader_decides_to_follow_it_and_changes_nothing_itself()
    {
        _host.State.Phase = TaskPhase.Queued;
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Follow, LeaderId: "leader-1"));

        var decision = await Participation().JoinAsync();

        var follow = Assert.IsType<CacheDecision.Follow>(decision);
        Assert.Equal(new CacheDecision.Follow("leader-1"), follow);
        Assert.Null(_host.State.LeaderId); // The grain applies it, holds the reminder; the acceptance commits it, once.
        Assert.Empty(_host.Calls);
        Assert.Equal([ResultCacheKey.For(ScriptedChunks.TypeName, _host.State.ParametersJson)], _keys);

        follow.ApplyTo(_host.State);
        Assert.Equal("leader-1", _host.State.LeaderId);
        Assert.Equal(TaskPhase.Queued, _host.State.Phase);
    }

    [Fact]
    public async Task Joining_as_leader_decides_to_lead()
    {
        _host.State.Phase = TaskPhase.Queued;
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Lead));

        var decision = await Participation().JoinAsync();

        Assert.IsType<CacheDecision.Lead>(decision);
        Assert.Empty(_host.Calls);
        Assert.Null(_host.State.LeaderId);
        Assert.Equal(TaskPhase.Queued, _host.State.Phase);
    }

    [Fact]
    public async Task Joining_on_a_hit_decides_to_end_the_task_succeeded_and_cached_with_its_whole_plan_done()
    {
        _host.State.Phase = TaskPhase.Queued;
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Hit, "42"));

        var decision = await Participation().JoinAsync();

        var end = Assert.IsType<CacheDecision.End>(decision);
        Assert.Equal(new CacheDecision.End(new CacheAnswer(CacheLookupStatus.Hit, "42"), new TaskProgress(0, 10), Noon), end);
        Assert.Equal(TaskPhase.Queued, _host.State.Phase);
        Assert.Empty(_host.Calls);

        end.ApplyTo(_host.State);
        Assert.Equal(TaskPhase.Succeeded, _host.State.Phase);
        Assert.True(_host.State.Cached);
        Assert.Equal("42", _host.State.ResultJson);
        Assert.Equal(new ProgressState(10, 10), _host.State.Progress);
        Assert.NotNull(_host.State.StartedAt);
    }

    [Fact]
    public async Task A_follower_told_its_leader_computed_the_result_decides_to_end_succeeded_not_cached()
    {
        Following("leader-1");

        var decision = await Participation().LeaderEndedAsync(new CacheAnswer(CacheLookupStatus.Computed, "7"));

        var end = Assert.IsType<CacheDecision.End>(decision);
        Assert.Equal(0, _entry.Joins);
        Assert.Equal(TaskPhase.Queued, _host.State.Phase);
        Assert.Empty(_host.Calls);

        end.ApplyTo(_host.State);
        Assert.Equal(TaskPhase.Succeeded, _host.State.Phase);
        Assert.False(_host.State.Cached);
        Assert.Equal("7", _host.State.ResultJson);
        Assert.Null(_host.State.LeaderId);
    }

    [Fact]
    public async Task A_follower_whose_leader_failed_does_not_fail_but_asks_the_cache_again_and_leads_when_elected()
    {
        Following("leader-1");
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Lead));

        var decision = await Participation().LeaderEndedAsync(new CacheAnswer(CacheLookupStatus.Failed, Error: "the leader was cancelled"));

        var lead = Assert.IsType<CacheDecision.Lead>(decision);
        Assert.Equal(1, _entry.Joins);
        Assert.Equal(TaskPhase.Queued, _host.State.Phase);
        Assert.Null(_host.State.Error);
        Assert.Empty(_host.Calls);

        lead.ApplyTo(_host.State);
        Assert.Null(_host.State.LeaderId);
        Assert.Null(_host.State.Error);
    }

    [Fact]
    public async Task A_follower_whose_leader_failed_follows_the_leader_the_cache_names_next()
    {
        Following("leader-1");
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Follow, LeaderId: "leader-2"));

        var decision = await Participation().LeaderEndedAsync(new CacheAnswer(CacheLookupStatus.Failed, Error: "boom"));

        Assert.Equal(new CacheDecision.Follow("leader-2"), decision);
        Assert.Equal(1, _entry.Joins);
        Assert.Empty(_host.Calls);
    }

    [Fact]
    public async Task The_word_of_a_leader_changes_nothing_for_a_task_that_no_longer_follows()
    {
        _host.State.Phase = TaskPhase.Cancelled;

        var decision = await Participation().LeaderEndedAsync(new CacheAnswer(CacheLookupStatus.Computed, "7"));

        Assert.IsType<CacheDecision.Unchanged>(decision);
        Assert.Equal(TaskPhase.Cancelled, _host.State.Phase);
        Assert.Null(_host.State.ResultJson);
        Assert.Equal(0, _entry.Joins);
        Assert.Empty(_host.Calls);
    }

    [Fact]
    public async Task Rejoining_on_a_failed_answer_decides_to_end_the_follower_failed_with_the_caches_error()
    {
        Following("leader-1");
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Failed, Error: "the computation failed twice"));

        var decision = await Participation().RejoinAsync();

        var end = Assert.IsType<CacheDecision.End>(decision);
        Assert.Equal(new CacheDecision.End(new CacheAnswer(CacheLookupStatus.Failed, Error: "the computation failed twice"), null, Noon), end);
        Assert.Empty(_host.Calls);

        end.ApplyTo(_host.State);
        Assert.Equal(TaskPhase.Failed, _host.State.Phase);
        Assert.Equal("the computation failed twice", _host.State.Error);
        Assert.Null(_host.State.LeaderId);
    }

    [Fact]
    public async Task A_leader_that_succeeded_reports_its_result_and_one_that_failed_its_error()
    {
        _host.State.Finish(Noon, TaskPhase.Succeeded);
        _host.State.ResultJson = "9";
        await Participation().ReportEndAsync();

        _host.State.Finish(Noon, TaskPhase.Failed, "bad row");
        await Participation().ReportEndAsync();

        Assert.Equal(
            [(_host.Id, new CacheAnswer(CacheLookupStatus.Computed, "9")), (_host.Id, new CacheAnswer(CacheLookupStatus.Failed, Error: "bad row"))],
            _entry.Completed);
        Assert.Empty(_host.Calls);
    }

    [Fact]
    public async Task A_child_or_a_type_that_is_not_cacheable_reports_nothing()
    {
        _host.State.Finish(Noon, TaskPhase.Succeeded);
        await Participation(new ScriptedChunks(cacheable: false)).ReportEndAsync();
        _host.State.ParentId = "parent";
        await Participation().ReportEndAsync();

        Assert.Empty(_entry.Completed);
    }

    [Fact]
    public async Task A_report_that_fails_is_rethrown_for_the_grain_to_drop_its_activation()
    {
        _host.State.Finish(Noon, TaskPhase.Succeeded);
        _entry.CompleteFailure = new InvalidOperationException("the cache refused the report (test)");

        await Assert.ThrowsAsync<InvalidOperationException>(() => Participation().ReportEndAsync());

        Assert.Equal(TaskPhase.Succeeded, _host.State.Phase);
        Assert.Empty(_host.Calls);
    }

    [Fact]
    public void A_final_answer_without_an_error_fails_the_task_with_a_reason_all_the_same()
    {
        var task = new TaskState { Exists = true, Phase = TaskPhase.Queued, LeaderId = "leader-1" };

        CacheParticipation.Apply(task, new CacheAnswer(CacheLookupStatus.Failed), plan: new TaskProgress(0, 10), Noon);

        Assert.Equal(TaskPhase.Failed, task.Phase);
        Assert.Equal("the computation failed", task.Error);
        Assert.Null(task.Progress);
        Assert.Null(task.LeaderId);
        Assert.Equal(Noon, task.FinishedAt);
    }

    /// <summary>A result cache entry that answers joins from a script and records reports.</summary>
    private sealed class ScriptedCacheEntry : IResultCacheGrain
    {
        public Queue<CacheAnswer> Answers { get; } = new();

        public int Joins { get; private set; }

        public List<(string LeaderId, CacheAnswer Outcome)> Completed { get; } = [];

        public Exception? CompleteFailure { get; set; }

        public Task<CacheAnswer> JoinAsync(string type, string parametersJson, string taskId)
        {
            Joins++;
            return Task.FromResult(Answers.Dequeue());
        }

        public Task CompleteAsync(string leaderId, CacheAnswer outcome)
        {
            if (CompleteFailure is { } failure)
            {
                return Task.FromException(failure);
            }

            Completed.Add((leaderId, outcome));
            return Task.CompletedTask;
        }

        public Task ExpireAsync(string taskId) => Task.CompletedTask;
    }
}
