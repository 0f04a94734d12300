using Tasker.Storage;

namespace Tasker.Schedules;

/// <summary>The ids of one client's schedules, bounded by the tier's MaxSchedules when one is added.</summary>
public sealed class ScheduleIndexGrain(
    [PersistentState("schedule-index", TaskerStorage.Name)] IPersistentState<ScheduleIndexState> state) : Grain, IScheduleIndexGrain
{
    public async Task<bool> AddAsync(string id, int max)
    {
        if (state.State.Ids.Contains(id))
        {
            return true;
        }

        if (state.State.Ids.Count >= max)
        {
            return false;
        }

        var at = state.State.Ids.BinarySearch(id, StringComparer.Ordinal);
        state.State.Ids.Insert(~at, id);
        await WriteAsync();
        return true;
    }

    public async Task RemoveAsync(string id)
    {
        if (state.State.Ids.Remove(id))
        {
            await WriteAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Ids]);

    private Task WriteAsync() => state.WriteOrDropAsync(this);
}
