using Microsoft.Extensions.Options;
using Tasker.Storage;

namespace Tasker.Users;

/// <summary>
/// Enforces a user's tier limit on long tasks running at once, cluster-wide (one activation per client). A slot is a
/// lease that is checked against its task's own state whenever the limit is reached: a task that ended or vanished
/// without releasing (its silo died at the wrong moment) loses its slot then, so no slot is lost for good.
/// </summary>
public sealed class UserSlotsGrain(
    [PersistentState("slots", TaskerStorage.Name)] IPersistentState<UserSlotsState> state,
    IOptions<TiersOptions> tiers,
    TimeProvider clock) : Grain, IUserSlotsGrain
{
    /// <summary>Waiting tasks listed per client.</summary>
    public const int MaxWaiting = 10_000;

    private static readonly TimeSpan _limitTtl = TimeSpan.FromSeconds(5);
    private int? _limit;
    private DateTimeOffset _limitReadAt;

    private UserSlotsState S => state.State;

    public async Task<SlotAnswer> AcquireAsync(SlotRequest request)
    {
        Caller.Set(null); // What follows checks and wakes this client's tasks on the system's behalf, not the asker's.
        if (await LimitAsync() is not { } limit)
        {
            return SlotAnswer.Granted; // Not a user: no tier, no limit.
        }

        if (S.Holders.Contains(request.TaskId))
        {
            return SlotAnswer.Granted;
        }

        var changed = false;
        if (S.Holders.Count >= limit)
        {
            changed |= await DropEndedHoldersAsync();
        }

        if (!S.Waiting.Exists(w => w.TaskId == request.TaskId) && S.Waiting.Count < MaxWaiting)
        {
            S.Waiting.Add(new SlotWaiter { TaskId = request.TaskId, Priority = request.Priority, CreatedAt = request.CreatedAt });
            changed = true;
        }

        var granted = Grant(limit);
        if (changed || granted.Count > 0)
        {
            await state.WriteOrDropAsync(this);
        }

        Notify(granted, except: request.TaskId);
        return S.Holders.Contains(request.TaskId) ? SlotAnswer.Granted : SlotAnswer.Queued;
    }

    public async Task ReleaseAsync(string taskId)
    {
        Caller.Set(null);
        var removed = S.Holders.Remove(taskId) | S.Waiting.RemoveAll(w => w.TaskId == taskId) > 0;
        var granted = await LimitAsync() is { } limit ? Grant(limit) : [];
        if (removed || granted.Count > 0)
        {
            await state.WriteOrDropAsync(this);
        }

        Notify(granted, except: null);
    }

    /// <summary>Moves the best waiting tasks (priority, then age) into free slots; returns those moved.</summary>
    private List<string> Grant(int limit)
    {
        var granted = new List<string>();
        while (S.Holders.Count < limit && S.Waiting.Count > 0)
        {
            var next = S.Waiting
                .OrderByDescending(w => Rank(w.Priority))
                .ThenBy(w => w.CreatedAt)
                .ThenBy(w => w.TaskId, StringComparer.Ordinal)
                .First();
            S.Waiting.Remove(next);
            S.Holders.Add(next.TaskId);
            granted.Add(next.TaskId);
        }

        return granted;
    }

    private void Notify(List<string> granted, string? except)
    {
        foreach (var taskId in granted.Where(id => id != except))
        {
            // One-way: a lost notice is made good by the waiting task's reminder, which asks again and finds its slot.
            _ = GrainFactory.GetGrain<ITaskGrain>(taskId).SlotGrantedAsync();
        }
    }

    /// <summary>Drops holders whose task has ended or does not exist; true when any was dropped.</summary>
    private async Task<bool> DropEndedHoldersAsync()
    {
        var tasks = await Task.WhenAll(S.Holders.Select(async id => (id, task: await GrainFactory.GetGrain<ITaskGrain>(id).GetAsync())));
        var ended = tasks.Where(t => t.task is null || t.task.Phase.IsFinal()).Select(t => t.id).ToList();
        foreach (var id in ended)
        {
            S.Holders.Remove(id);
        }

        return ended.Count > 0;
    }

    /// <summary>The client's user's MaxRunning, re-read every few seconds; null when the client is not a user.</summary>
    private async Task<int?> LimitAsync()
    {
        var now = clock.GetUtcNow();
        if (_limitReadAt == default || now - _limitReadAt > _limitTtl)
        {
            var user = await GrainFactory.GetGrain<IUserGrain>(this.GetPrimaryKeyString()).GetAsync();
            var all = tiers.Value.Tiers;
            _limit = user is null
                ? null
                : (all.TryGetValue(user.Tier, out var tier) ? tier : all[TiersOptions.DefaultTier]).MaxRunning;
            _limitReadAt = now;
        }

        return _limit;
    }

    private static int Rank(TaskPriority priority) => priority switch
    {
        TaskPriority.Low => 0,
        TaskPriority.Normal => 1,
        _ => 2,
    };
}
