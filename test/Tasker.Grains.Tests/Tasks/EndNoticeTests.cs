using Tasker.Clients;
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

    private readonly LosingHistory _history = new();

    public async Task InitializeAsync() =>
        _cluster = await OneSiloCluster.StartAsync(
            silo => silo.Services.AddKeyedSingleton<IGrainStorage>(TaskerStorage.Name, (services, _) =>
                _storage.Over(new InProcessGrainStorage(services.GetRequiredService<Serializer>()))),
            silo => silo.Services.AddSingleton<IHistoryStore>(_history));

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

    [Fact]
    public async Task A_waiting_child_asks_its_parents_again_without_waiting_for_a_parents_turn_which_may_be_waiting_for_the_child()
    {
        var client = "turns-" + Guid.NewGuid().ToString("N")[..8];
        var (parentId, childId) = (TaskIds.New(), TaskIds.New());
        var parent = _cluster.Client.GetGrain<ITaskGrain>(parentId);
        var child = _cluster.Client.GetGrain<ITaskGrain>(childId);
        await parent.SubmitAsync(new TaskSubmission("count", """{"delay_ms":100,"to":30}""", client, TaskPriority.Normal));
        var waiting = await child.SubmitAsync(new TaskSubmission("sum2", """{"first":40,"second":2}""", client, TaskPriority.Normal, After: [parentId]));
        Assert.Equal(TaskPhase.Waiting, waiting.Phase);

        // The parent's turn is held (its next checkpoint's write waits), as it is while it tells its children its end: a
        // child that waited for that turn, while the parent waited for the child's, would wait until the call timed out.
        bool recheckedInTime;
        Task<bool> recheck;
        using (var held = _storage.HoldWrites(key => key == parentId))
        {
            await held.Reached.WaitAsync(TimeSpan.FromSeconds(10));
            recheck = child.DueAsync(DateTimeOffset.UnixEpoch); // A waiting task's due entry, whatever its time: it asks its parents again.
            recheckedInTime = await Task.WhenAny(recheck, Task.Delay(TimeSpan.FromSeconds(5))) == recheck;
        }

        Assert.True(recheckedInTime, "the waiting child's recheck waited for its parent's turn");
        Assert.True(await recheck);
        var task = await WaitForEndAsync(child, TimeSpan.FromSeconds(30));
        var parentTask = (await parent.GetAsync())!;
        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.Equal("42", task.ResultJson);
        Assert.True(task.StartedAt >= parentTask.FinishedAt, $"the child started at {task.StartedAt:O}, before its parent ended at {parentTask.FinishedAt:O}");
    }

    [Fact]
    public async Task A_retried_submission_whose_parent_kept_it_the_first_time_is_answered_without_waiting_for_the_parents_turn()
    {
        var client = "retry-" + Guid.NewGuid().ToString("N")[..8];
        var (parentId, childId) = (TaskIds.New(), TaskIds.New());
        var parent = _cluster.Client.GetGrain<ITaskGrain>(parentId);
        var child = _cluster.Client.GetGrain<ITaskGrain>(childId);
        var submission = new TaskSubmission("sum2", """{"first":41,"second":2}""", client, TaskPriority.Normal, After: [parentId]);
        await parent.SubmitAsync(new TaskSubmission("count", """{"delay_ms":100,"to":31}""", client, TaskPriority.Normal));
        _storage.FailWrites(failures: 1, key => key == childId);
        await Assert.ThrowsAnyAsync<Exception>(() => child.SubmitAsync(submission)); // The parent keeps it; the child itself is not stored.

        bool answeredInTime;
        Task<TaskSnapshot> retry;
        using (var held = _storage.HoldWrites(key => key == parentId))
        {
            await held.Reached.WaitAsync(TimeSpan.FromSeconds(10));
            retry = child.SubmitAsync(submission);
            answeredInTime = await Task.WhenAny(retry, Task.Delay(TimeSpan.FromSeconds(5))) == retry;
        }

        Assert.True(answeredInTime, "the retried submission waited for its parent's turn");
        Assert.Equal(TaskPhase.Waiting, (await retry).Phase);
        var task = await WaitForEndAsync(child, TimeSpan.FromSeconds(30));
        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.Equal("43", task.ResultJson);
    }

    [Fact]
    public async Task A_child_told_again_by_a_parent_it_has_stored_writes_its_history_line_again_which_a_silo_dying_after_its_end_lost()
    {
        var client = "line-" + Guid.NewGuid().ToString("N")[..8];
        var (parentId, childId) = (TaskIds.New(), TaskIds.New());
        var parent = _cluster.Client.GetGrain<ITaskGrain>(parentId);
        var child = _cluster.Client.GetGrain<ITaskGrain>(childId);
        await parent.SubmitAsync(new TaskSubmission("count", """{"delay_ms":100,"to":3}""", client, TaskPriority.Normal));
        _history.LoseEndOf(childId); // As a silo killed between the child's end and its history line would.
        await child.SubmitAsync(new TaskSubmission("sum2", """{"first":42,"second":2}""", client, TaskPriority.Normal, After: [parentId]));
        var ended = await WaitForEndAsync(child, TimeSpan.FromSeconds(30));
        Assert.Equal(TaskPhase.Succeeded, ended.Phase);
        Assert.Equal(TaskPhase.Waiting, await _history.PhaseOfAsync(client, childId)); // The line the first telling left.

        // The parent's end notices are sent again when the first sending did not finish (its due entry): here, by hand.
        await child.ParentEndedAsync(parentId, new ParentEnd(TaskPhase.Succeeded, "3"));

        Assert.Equal(TaskPhase.Succeeded, await _history.PhaseOfAsync(client, childId));
        Assert.Equal(ended.Version, (await child.GetAsync())!.Version); // Nothing else changed.
    }

    [Fact]
    public async Task A_scheduled_task_whose_due_entry_comes_again_after_its_end_writes_its_history_line_again_which_a_silo_dying_after_its_end_lost()
    {
        var client = "due-line-" + Guid.NewGuid().ToString("N")[..8];
        var taskId = TaskIds.New();
        var task = _cluster.Client.GetGrain<ITaskGrain>(taskId);
        _history.LoseEndOf(taskId); // As a silo killed between the task's end and its history line would.
        var scheduled = await task.SubmitAsync(new TaskSubmission("sum2", """{"first":42,"second":3}""", client, TaskPriority.Normal,
            RunAt: DateTimeOffset.UtcNow.AddMilliseconds(300)));
        Assert.Equal(TaskPhase.Scheduled, scheduled.Phase);
        var ended = await WaitForEndAsync(task, TimeSpan.FromSeconds(30));
        Assert.Equal(TaskPhase.Succeeded, ended.Phase);
        Assert.Equal(TaskPhase.Scheduled, await _history.PhaseOfAsync(client, taskId)); // The line the start left.

        // The due shard calls again when the entry outlived the call that started the task (its silo died): here, by hand.
        await task.DueAsync(scheduled.RunAt!.Value);

        Assert.Equal(TaskPhase.Succeeded, await _history.PhaseOfAsync(client, taskId));
        Assert.Equal(ended.Version, (await task.GetAsync())!.Version); // Nothing else changed, and it did not run again.
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

    /// <summary>The history store of embedded mode, which loses the first final line of a chosen task without a word.</summary>
    private sealed class LosingHistory : IHistoryStore
    {
        private readonly InMemoryHistoryStore _inner = new(Microsoft.Extensions.Options.Options.Create(new TaskerOptions()));
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _lose = new();

        public void LoseEndOf(string taskId) => _lose[taskId] = true;

        public async Task<TaskPhase?> PhaseOfAsync(string client, string taskId) =>
            (await _inner.QueryAsync(client, new HistoryQuery(100))).Entries.FirstOrDefault(e => e.TaskId == taskId)?.Phase;

        public Task RecordAsync(string client, ClientTaskEntry entry, CancellationToken cancellationToken = default) =>
            entry.Phase.IsFinal() && _lose.TryRemove(entry.TaskId, out _) ? Task.CompletedTask : _inner.RecordAsync(client, entry, cancellationToken);

        public Task ForgetAsync(string client, string taskId, CancellationToken cancellationToken = default) => _inner.ForgetAsync(client, taskId, cancellationToken);

        public Task<IReadOnlyList<EndedTask>> FindExpiredAsync(ExpiryQuery query, CancellationToken cancellationToken = default) => _inner.FindExpiredAsync(query, cancellationToken);

        public Task PostponeAsync(IReadOnlyList<EndedTask> tasks, CancellationToken cancellationToken = default) => _inner.PostponeAsync(tasks, cancellationToken);

        public Task<HistoryPage> QueryAsync(string client, HistoryQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(client, query, cancellationToken);

        public Task<ListingPage> QueryAllAsync(HistoryQuery query, CancellationToken cancellationToken = default) => _inner.QueryAllAsync(query, cancellationToken);
    }
}
