using Tasker.Handlers;
using Tasker.Storage;

namespace Tasker.Tasks;

/// <summary>The retention sweep's call: an ended task past its retention goes, with what it made outside its state.</summary>
public sealed partial class TaskGrain
{
    public async Task<bool> ExpireAsync(DateTimeOffset endedBefore)
    {
        if (!S.Exists)
        {
            DeactivateOnIdle();
            return true;
        }

        if (TaskLifecycle.ExpiringEnd(S, RunsOnAgent, endedBefore) is not { } finishedAt)
        {
            return false; // A task that has not ended never expires.
        }

        if (await KeptByChildrenAsync())
        {
            return false; // A task that runs after it has not ended: it may still need to learn of this one.
        }

        // What lives outside the state goes first, and nothing here changes the state: if any of it fails, the task
        // stays whole in memory and storage (docs/adr/014) and the next sweep does it all again.
        await ExpireOutsideStateAsync(finishedAt);
        var (client, phase) = (S.Client, S.Phase);
        await state.ClearAndDropAsync(this);
        _published = null;
        Signal();
        SyncGauges(active: false);
        TaskGrainLog.Expired(logger, Id, client, phase.ToWire());
        return true;
    }

    /// <summary>Expires what the task made outside its state: its type's own data and its cache entry.</summary>
    private async Task ExpireOutsideStateAsync(DateTimeOffset finishedAt)
    {
        if (!handlers.TryGet(S.Type, out var handler))
        {
            return;
        }

        if (handler is IChunkedTaskHandler chunked)
        {
            await chunked.ExpireAsync(new ExpiringTask(Id, S.ParametersJson, finishedAt));
        }

        if (handler.Cacheable && S.ParentId is null && !S.Cached)
        {
            // The cache entry this task's computation made goes with it (a hit made none).
            await (handler is IInstantTaskHandler
                ? instantTasks.ExpireCacheEntryAsync(S.Type, S.ParametersJson, S.Client, finishedAt)
                : Cache.ExpireEntryAsync());
        }
    }
}
