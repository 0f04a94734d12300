using Orleans.Concurrency;

namespace Tasker.Clients;

/// <summary>
/// The way to one client's request history: it records, forgets and pages lines that the history store keeps (a row
/// per task, newest first, trimmed there to <c>Tasker:MaxHistoryPerClient</c>; docs/adr/001, 008), and hides them from
/// other signed-in callers (docs/adr/015). It holds no state of its own, so it runs beside its caller on every silo
/// (stateless worker), and recording a line is one small write, not a rewrite of the whole history.
/// </summary>
[StatelessWorker]
public sealed class ClientGrain(IHistoryStore store) : Grain, IClientGrain, IIncomingGrainCallFilter
{
    private const int MaxPageSize = 500;

    public Task RecordAsync(ClientTaskEntry entry) => store.RecordAsync(this.GetPrimaryKeyString(), entry);

    public Task ForgetAsync(string taskId) => store.ForgetAsync(this.GetPrimaryKeyString(), taskId);

    /// <summary>
    /// Isolation at the grain boundary (docs/adr/015): a signed-in caller other than this client (and not an admin)
    /// reads an empty history. Recording and forgetting are done by task grains for their own client.
    /// </summary>
    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod.Name == nameof(IClientGrain.QueryAsync)
            && Caller.Current is { } caller && !caller.MayAccess(this.GetPrimaryKeyString()))
        {
            context.Result = new HistoryPage([], null, 0);
            return Task.CompletedTask;
        }

        return context.Invoke();
    }

    public Task<HistoryPage> QueryAsync(HistoryQuery query) =>
        store.QueryAsync(this.GetPrimaryKeyString(), query with { Limit = Math.Clamp(query.Limit, 1, MaxPageSize) });
}
