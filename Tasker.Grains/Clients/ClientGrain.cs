using Orleans.Concurrency;

namespace Tasker.Clients;

/// <summary>
/// One client's request history, newest first, bounded (docs/adr/001, 008). The lines live in the history store, a
/// row per task, so the grain holds no state of its own: it runs beside its caller on every silo (stateless worker),
/// and recording a line is one small write, not a rewrite of the whole history.
/// </summary>
[StatelessWorker]
public sealed class ClientGrain(IHistoryStore store) : Grain, IClientGrain
{
    private const int MaxPageSize = 500;

    public Task RecordAsync(ClientTaskEntry entry) => store.RecordAsync(this.GetPrimaryKeyString(), entry);

    public Task ForgetAsync(string taskId) => store.ForgetAsync(this.GetPrimaryKeyString(), taskId);

    public Task<HistoryPage> QueryAsync(HistoryQuery query) =>
        store.QueryAsync(this.GetPrimaryKeyString(), query with { Limit = Math.Clamp(query.Limit, 1, MaxPageSize) });
}
