using Microsoft.Extensions.Options;

namespace Tasker.Clients;

/// <summary>
/// One client's request history, kept sorted by task id descending (ids grow with time) so that the id of the
/// last line of a page is the cursor of the next. Lines beyond the cap are trimmed, oldest first; the tasks
/// themselves stay reachable by id (see docs/adr/001-bounded-client-history.md).
/// </summary>
public sealed class ClientGrain(
    [PersistentState("client", TaskerStorage.Name)] IPersistentState<ClientState> state,
    IOptions<TaskerOptions> options) : Grain, IClientGrain
{
    private const int MaxPageSize = 500;

    private ClientState S => state.State;

    public async Task RecordAsync(ClientTaskEntry entry)
    {
        var at = FindIndex(entry.TaskId);
        if (at >= 0)
        {
            S.Entries[at] = entry;
        }
        else
        {
            S.Entries.Insert(~at, entry);
            S.TotalRecorded++;
            var cap = options.Value.MaxHistoryPerClient;
            if (S.Entries.Count > cap)
            {
                S.Entries.RemoveRange(cap, S.Entries.Count - cap);
            }
        }

        if (!S.Registered)
        {
            await GrainFactory.GetGrain<IClientDirectoryGrain>(0).RegisterAsync(this.GetPrimaryKeyString());
            S.Registered = true;
        }

        await state.WriteStateAsync();
    }

    public async Task ForgetAsync(string taskId)
    {
        var at = FindIndex(taskId);
        if (at >= 0)
        {
            S.Entries.RemoveAt(at);
            await state.WriteStateAsync();
        }
    }

    public Task<HistoryPage> QueryAsync(HistoryQuery query)
    {
        var limit = Math.Clamp(query.Limit, 1, MaxPageSize);
        var start = 0;
        if (query.Before is { } before)
        {
            var at = FindIndex(before);
            start = at >= 0 ? at + 1 : ~at;
        }

        var page = new List<ClientTaskEntry>(limit);
        string? next = null;
        for (var i = start; i < S.Entries.Count; i++)
        {
            var entry = S.Entries[i];
            if ((query.Type is not null && entry.Type != query.Type) || (query.Phase is { } phase && entry.Phase != phase))
            {
                continue;
            }

            if (page.Count == limit)
            {
                next = page[^1].TaskId;
                break;
            }

            page.Add(entry);
        }

        return Task.FromResult(new HistoryPage(page, next, S.TotalRecorded));
    }

    /// <summary>Binary search in the id-descending list: the index, or the bitwise complement of where it would go.</summary>
    private int FindIndex(string taskId)
    {
        int low = 0, high = S.Entries.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var order = string.CompareOrdinal(S.Entries[mid].TaskId, taskId);
            if (order == 0)
            {
                return mid;
            }

            if (order > 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return ~low;
    }
}
