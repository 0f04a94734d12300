using Microsoft.Extensions.Options;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// This silo's copy of the process table, refreshed at most once per <see cref="TaskerHttpOptions.ProcessStatusTtl"/>,
/// so that checking a submission against a suspended type costs no grain call on the hot path.
/// A change made through this silo is seen here at once, elsewhere within the TTL.
/// </summary>
public sealed class ProcessGate(IGrainFactory grains, IOptions<TaskerHttpOptions> options, TimeProvider clock)
{
    private sealed record Copy(ProcessTable Table, DateTimeOffset FetchedAt);

    private Copy? _copy;
    private Task<ProcessTable>? _refresh;

    /// <summary>The entry that refuses new tasks of this type (suspended), or null when they are accepted.</summary>
    public async ValueTask<ProcessEntry?> FindRefusalAsync(string type)
    {
        var table = await GetTableAsync();
        return table.Entries.FirstOrDefault(e => e.Type == type && e.Status == ProcessStatus.Suspended);
    }

    /// <summary>The table, from this silo's copy while it is fresh.</summary>
    public async ValueTask<ProcessTable> GetTableAsync()
    {
        if (_copy is { } copy && clock.GetUtcNow() - copy.FetchedAt < options.Value.ProcessStatusTtl)
        {
            return copy.Table;
        }

        // Concurrent callers share one refresh.
        var refresh = _refresh ??= RefreshAsync();
        try
        {
            return await refresh;
        }
        finally
        {
            _ = Interlocked.CompareExchange(ref _refresh, null, refresh);
        }
    }

    /// <summary>Takes a table this silo just received from the registry.</summary>
    public void Accept(ProcessTable table)
    {
        if (_copy is null || table.Version >= _copy.Table.Version)
        {
            _copy = new Copy(table, clock.GetUtcNow());
        }
    }

    private async Task<ProcessTable> RefreshAsync()
    {
        var table = await grains.GetGrain<IProcessRegistryGrain>(0).GetTableAsync();
        Accept(table);
        return table;
    }
}
