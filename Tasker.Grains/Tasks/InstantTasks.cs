using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Tasker.Caching;
using Tasker.Clients;
using Tasker.Due;
using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>
/// Runs tasks of short types (<see cref="IInstantTaskHandler"/>), which end within the request that submits them
/// (docs/adr/009). A new short task is run where the request arrives and written once, as its grain's own state,
/// without activating the grain: the grain finds that state when it is first asked for, like any stored task.
/// </summary>
/// <remarks>
/// Its log category is its own ("Tasker.Tasks.InstantTasks"), so that the line per short task, thousands a second, can
/// be turned up or down apart from the long tasks' lines; appsettings.json keeps it at Warning (failures only).
/// </remarks>
public sealed class InstantTasks(
    IGrainFactory grains,
    TaskHandlerRegistry handlers,
    IHistoryStore history,
    TaskActivations activations,
    INewTaskStore newTasks,
    IShortResultCache cache,
    IServiceProvider services,
    TimeProvider clock,
    ILogger<InstantTasks> logger)
{
    // Resolved when first used: the host registers the storage after Tasker's grains.
    private readonly Lazy<IGrainStorage> _storage = new(() => services.GetRequiredKeyedService<IGrainStorage>(TaskerStorage.Name));

    // The time each due shard was last told of by TryScheduleAsync.
    private readonly ConcurrentDictionary<int, DateTimeOffset> _toldShards = new();

    // Made once: resolving a grain reference (its interface and grain type) was a visible share of a short task's cost.
    private readonly Lazy<GrainType> _taskGrainType = new(() => grains.GetGrain<ITaskGrain>("-").GetGrainId().Type);

    /// <summary>The grain id of task <paramref name="id"/>, as <c>GetGrain&lt;ITaskGrain&gt;(id)</c> has it.</summary>
    public GrainId TaskGrainId(string id) => GrainId.Create(_taskGrainType.Value, id);

    /// <summary>
    /// Submits a new top-level task of a short type, under an id no one else holds yet, and answers with it ended.
    /// Null when the submission is not of a short type (or is a child task): those go to their grain.
    /// </summary>
    public async Task<TaskSnapshot?> TrySubmitAsync(string id, TaskSubmission submission)
    {
        if (submission.ParentId is not null || !handlers.TryGet(submission.Type, out var found) || found is not IInstantTaskHandler handler)
        {
            return null;
        }

        var task = TaskState.Accept(submission, clock.GetUtcNow());
        await RunAsync(id, task, handler);
        task.Version = 1;

        // Stored first, then listed: a history line never names a task that was not stored. The write only inserts:
        // it cannot overwrite a task, whatever happened to the id. Both straight to this silo's stores, as the client
        // grain would (it forwards a line as it is): no grain call between.
        await newTasks.InsertAsync(TaskGrainId(id), task);
        await history.RecordAsync(task.Client, task.ToHistoryEntry(id));
        TaskEvents.Accepted(logger, id, task);
        return task.ToSnapshot(id);
    }

    /// <summary>
    /// Stores a new top-level task asked for later (docs/adr/034) as its grain would, without activating the grain: its
    /// due entry and its state (in one transaction where the store can), then its history line, so that a million of them cost rows, not activations, and
    /// are written in the stores' groups rather than one grain turn each. Its due shard activates the grain at its time.
    /// Null when the grain must take it (not due later, a flow, a callback, or a type run on agents, which its grain
    /// checks at submission).
    /// </summary>
    public async Task<TaskSnapshot?> TryScheduleAsync(string id, TaskSubmission submission)
    {
        var now = clock.GetUtcNow();
        if (submission is not { ParentId: null, After: null, Callback: null, RunAt: { } runAt } || runAt <= now
            || !handlers.TryGet(submission.Type, out var handler) || handler is IAgentTaskHandler)
        {
            return null;
        }

        var task = TaskState.Accept(submission, now);
        task.Phase = TaskPhase.Scheduled;
        task.RunAt = DueShards.WholeMilliseconds(runAt); // What every store keeps exactly: the shard reads this time back.
        task.Version = 1;
        var shard = DueShards.Of(id);
        await newTasks.InsertScheduledAsync(TaskGrainId(id), task, shard, new DueEntry(id, task.RunAt.Value));
        await history.RecordAsync(task.Client, task.ToHistoryEntry(id));
        TaskEvents.Accepted(logger, id, task);
        try
        {
            // One-way, as the grain tells it: a lost notice costs at most the shard's heartbeat.
            if (ShardMustHear(shard, task.RunAt.Value, now))
            {
                _ = grains.GetGrain<IDueShardGrain>(shard).ExpectAsync(task.RunAt.Value);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            TaskDueLog.ExpectFailed(logger, id, task.Client, exception);
        }

        return task.ToSnapshot(id);
    }

    /// <summary>
    /// False when this silo told the shard of a time no later than <paramref name="dueAt"/> that has not come yet: when
    /// it comes, the shard aims again at its earliest stored entry, and this one is stored already. A million tasks due
    /// at one time then cost eight notices, not a million.
    /// </summary>
    private bool ShardMustHear(int shard, DateTimeOffset dueAt, DateTimeOffset now)
    {
        if (_toldShards.TryGetValue(shard, out var told) && told <= dueAt && told > now + TimeSpan.FromSeconds(1))
        {
            return false;
        }

        _toldShards[shard] = dueAt;
        return true;
    }

    /// <summary>
    /// Makes a child task of a short type (a sequence's sum2) the way <see cref="TrySubmitAsync"/> makes a short task:
    /// run inline and written once as its grain's state, without activating the grain. A child that is stored already
    /// (a chunk replayed after a failover) is not made again: the stored one answers.
    /// </summary>
    public async Task<TaskSnapshot> SubmitChildAsync(string id, TaskSubmission submission)
    {
        if (submission.ParentId is null || handlers.Get(submission.Type) is not IInstantTaskHandler handler)
        {
            throw new ArgumentException("Only a child task of a short type is made here.", nameof(submission));
        }

        var task = TaskState.Accept(submission, clock.GetUtcNow());
        await RunAsync(id, task, handler);
        task.Version = 1;
        var grainId = TaskGrainId(id);
        try
        {
            // The write only inserts, so it never overwrites a child made before.
            await newTasks.InsertAsync(grainId, task);
            return task.ToSnapshot(id);
        }
        catch (InconsistentStateException)
        {
            var stored = new GrainState<TaskState>(new TaskState());
            await _storage.Value.ReadStateAsync(TaskGrain.StateName, grainId, stored);
            return stored.State is { Exists: true } existing ? existing.ToSnapshot(id) : throw new InvalidOperationException($"Task {id} could not be stored.");
        }
    }

    /// <summary>
    /// Clears the stored state of child tasks (an expiring sequence's, docs/adr/020) the way they were made: in storage,
    /// without activating their grains, a few at a time. A child that was never made, or is gone already, is skipped.
    /// </summary>
    public async Task ForgetChildrenAsync(IEnumerable<string> ids)
    {
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, _) =>
        {
            var grainId = TaskGrainId(id);
            var stored = new GrainState<TaskState>(new TaskState());
            await _storage.Value.ReadStateAsync(TaskGrain.StateName, grainId, stored);
            if (stored.RecordExists || stored.State is { Exists: true })
            {
                await _storage.Value.ClearStateAsync(TaskGrain.StateName, grainId, stored); // The version read fences the clear.
            }
        });
    }

    /// <summary>
    /// Expires an ended top-level short task the way it was made: in storage, without activating its grain, which
    /// costs most of an expiry (docs/adr/025). True when the task is gone, false when it stays (not ended, or not old
    /// enough), null when its grain must do it: this silo is not the whole cluster, the task is active (or became
    /// active meanwhile: its memory may hold the state read before the clear, and its own expiry then brings memory
    /// and storage together), or it is not a short top-level task.
    /// </summary>
    public async Task<bool?> TryExpireStoredAsync(string id, DateTimeOffset endedBefore)
    {
        if (!activations.WholeCluster || activations.IsActive(id))
        {
            return null;
        }

        var grainId = TaskGrainId(id);
        var stored = new GrainState<TaskState>(new TaskState());
        await _storage.Value.ReadStateAsync(TaskGrain.StateName, grainId, stored);
        if (stored.State is not { Exists: true } task)
        {
            return true;
        }

        if (task.ParentId is not null || task.Children.Count > 0 || task.EndNotices == EndNotices.Pending
            || !handlers.TryGet(task.Type, out var handler) || handler is not IInstantTaskHandler)
        {
            return null; // Its grain decides: tasks that run after it may keep it (docs/adr/035).
        }

        if (TaskLifecycle.ExpiringEnd(task, isShell: false, endedBefore) is not { } finishedAt)
        {
            return false;
        }

        if (handler.Cacheable && !task.Cached)
        {
            await ExpireCacheEntryAsync(task.Type, task.ParametersJson, task.Client, finishedAt);
        }

        await _storage.Value.ClearStateAsync(TaskGrain.StateName, grainId, stored); // The ETag read fences the clear.
        return activations.IsActive(id) ? null : true;
    }

    /// <summary>Drops the short types' cache entry of this computation if it was stored by <paramref name="computedBefore"/>.</summary>
    public Task ExpireCacheEntryAsync(string type, string parametersJson, string client, DateTimeOffset computedBefore) =>
        cache.ExpireAsync(type, parametersJson, client, computedBefore);

    /// <summary>Runs a short task to its end: through the short types' cache when its type is cacheable, else inline.</summary>
    public async Task RunAsync(string id, TaskState task, IInstantTaskHandler handler)
    {
        task.StartedAt = clock.GetUtcNow();
        if (handler.Cacheable && task.ParentId is null)
        {
            // Children of a sequence are part of their parent's computation, which the cache already covers.
            var answer = await cache.GetOrComputeAsync(task.Type, task.ParametersJson, task.Client);
            if (answer.Status is CacheLookupStatus.Hit or CacheLookupStatus.Computed)
            {
                task.ResultJson = answer.ResultJson;
                task.Cached = answer.Status == CacheLookupStatus.Hit;
                task.Finish(clock.GetUtcNow(), TaskPhase.Succeeded);
            }
            else
            {
                Fail(id, task, answer.Error ?? "the computation failed", exception: null);
            }

            return;
        }

        try
        {
            task.ResultJson = handler.Execute(task.ParametersJson);
            task.Finish(clock.GetUtcNow(), TaskPhase.Succeeded);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Fail(id, task, exception.Message, exception);
        }
    }

    private void Fail(string id, TaskState task, string error, Exception? exception)
    {
        TaskGrainLog.Failed(logger, id, task.Client, error, exception);
        task.Finish(clock.GetUtcNow(), TaskPhase.Failed, error);
    }
}
