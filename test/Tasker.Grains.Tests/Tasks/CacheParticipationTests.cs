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

    /// <summary>Applies a decision as the grain does (<see cref="TaskSteps"/>); the host records the grain's work in order.</summary>
    private Task AppliedAsync(CacheDecision decision) => TaskSteps.RunAsync(decision, _host);

    private void Following(string leader)
    {
        _host.State.Phase = TaskPhase.Queued;
        _host.State.LeaderId = leader;
    }

    [Fact]
    public async Task Joining_behind_a_leader_names_it_and_holds_the_reminder_without_committing()
    {
        _host.State.Phase = TaskPhase.Queued;
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Follow, LeaderId: "leader-1"));

        var decision = await Participation().JoinAsync();
        Assert.Equal(new CacheDecision.Follow("leader-1"), decision);
        Assert.Null(_host.State.LeaderId); // It only decides; the grain applies it.
        Assert.Empty(_host.Calls);
        await AppliedAsync(decision);

        Assert.Equal("leader-1", _host.State.LeaderId);
        Assert.Equal(TaskPhase.Queued, _host.State.Phase);
        Assert.Equal(["hold-reminder"], _host.Calls); // The acceptance commits it, once.
        Assert.Equal([ResultCacheKey.For(ScriptedChunks.TypeName, _host.State.ParametersJson)], _keys);
    }

    [Fact]
    public async Task Joining_as_leader_starts_the_run_in_a_slot()
    {
        _host.State.Phase = TaskPhase.Queued;
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Lead));

        var decision = await Participation().JoinAsync();
        Assert.IsType<CacheDecision.Lead>(decision);
        Assert.Empty(_host.Calls);
        await AppliedAsync(decision);

        Assert.Equal(["begin-run"], _host.Calls);
        Assert.Null(_host.State.LeaderId);
    }

    [Fact]
    public async Task Joining_on_a_hit_ends_the_task_succeeded_and_cached_with_its_whole_plan_done()
    {
        _host.State.Phase = TaskPhase.Queued;
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Hit, "42"));

        var decision = await Participation().JoinAsync();
        Assert.Equal(new CacheDecision.End(new CacheAnswer(CacheLookupStatus.Hit, "42"), new TaskProgress(0, 10), Noon), decision);
        Assert.Equal(TaskPhase.Queued, _host.State.Phase);
        await AppliedAsync(decision);

        Assert.Equal(TaskPhase.Succeeded, _host.State.Phase);
        Assert.True(_host.State.Cached);
        Assert.Equal("42", _host.State.ResultJson);
        Assert.Equal(new ProgressState(10, 10), _host.State.Progress);
        Assert.NotNull(_host.State.StartedAt);
        Assert.Empty(_host.Calls);
    }

    [Fact]
    public async Task A_follower_told_its_leader_computed_the_result_ends_succeeded_not_cached_and_gives_its_reminder_back()
    {
        Following("leader-1");

        var decision = await Participation().LeaderEndedAsync(new CacheAnswer(CacheLookupStatus.Computed, "7"));
        Assert.IsType<CacheDecision.End>(decision);
        Assert.Equal(TaskPhase.Queued, _host.State.Phase);
        Assert.Empty(_host.Calls);
        await AppliedAsync(decision);

        Assert.Equal(TaskPhase.Succeeded, _host.State.Phase);
        Assert.False(_host.State.Cached);
        Assert.Equal("7", _host.State.ResultJson);
        Assert.Null(_host.State.LeaderId);
        // The commit is what tells the follower's children (its end's notices); then its history line.
        Assert.Equal(["commit", "release-reminder", "after-phase-change"], _host.Calls);
        Assert.Equal(0, _entry.Joins);
    }

    [Fact]
    public async Task A_follower_whose_leader_failed_does_not_fail_but_asks_the_cache_again_and_leads_when_elected()
    {
        Following("leader-1");
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Lead));

        var decision = await Participation().LeaderEndedAsync(new CacheAnswer(CacheLookupStatus.Failed, Error: "the leader was cancelled"));
        Assert.IsType<CacheDecision.Lead>(decision);
        Assert.Empty(_host.Calls);
        await AppliedAsync(decision);

        Assert.Equal(1, _entry.Joins);
        Assert.Equal(TaskPhase.Running, _host.State.Phase);
        Assert.Null(_host.State.Error);
        Assert.Null(_host.State.LeaderId);
        // The reminder is held before the run is committed: a task is never stored running without its wake-up.
        Assert.Equal(["hold-reminder", "begin-run", "commit", "after-phase-change"], _host.Calls);
    }

    [Fact]
    public async Task A_follower_whose_leader_failed_follows_the_leader_the_cache_names_next()
    {
        Following("leader-1");
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Follow, LeaderId: "leader-2"));

        await AppliedAsync(await Participation().LeaderEndedAsync(new CacheAnswer(CacheLookupStatus.Failed, Error: "boom")));

        Assert.Equal("leader-2", _host.State.LeaderId);
        Assert.Equal(TaskPhase.Queued, _host.State.Phase);
        Assert.Equal(["commit"], _host.Calls);
    }

    [Fact]
    public async Task The_word_of_a_leader_changes_nothing_for_a_task_that_no_longer_follows()
    {
        _host.State.Phase = TaskPhase.Cancelled;

        await AppliedAsync(await Participation().LeaderEndedAsync(new CacheAnswer(CacheLookupStatus.Computed, "7")));

        Assert.Equal(TaskPhase.Cancelled, _host.State.Phase);
        Assert.Null(_host.State.ResultJson);
        Assert.Equal(0, _entry.Joins);
        Assert.Empty(_host.Calls);
    }

    [Fact]
    public async Task Rejoining_on_a_failed_answer_ends_the_follower_failed_with_the_caches_error()
    {
        Following("leader-1");
        _entry.Answers.Enqueue(new CacheAnswer(CacheLookupStatus.Failed, Error: "the computation failed twice"));

        var decision = await Participation().RejoinAsync();
        Assert.Equal(new CacheDecision.End(new CacheAnswer(CacheLookupStatus.Failed, Error: "the computation failed twice"), null, Noon) { Settles = true }, decision);
        await AppliedAsync(decision);

        Assert.Equal(TaskPhase.Failed, _host.State.Phase);
        Assert.Equal("the computation failed twice", _host.State.Error);
        Assert.Null(_host.State.LeaderId);
        Assert.Equal(["commit", "release-reminder", "after-phase-change"], _host.Calls);
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
    public async Task A_report_that_fails_drops_the_activation_and_rethrows()
    {
        _host.State.Finish(Noon, TaskPhase.Succeeded);
        _entry.CompleteFailure = new InvalidOperationException("the cache refused the report (test)");
        var participation = Participation();
        _host.Report = participation.ReportEndAsync; // As the grain reports it.

        await Assert.ThrowsAsync<InvalidOperationException>(() => TaskSteps.ReportEndToCacheOrDropAsync(_host));

        Assert.Equal(["report:succeeded", "drop"], _host.Calls);
        Assert.Equal(TaskPhase.Succeeded, _host.State.Phase);
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
