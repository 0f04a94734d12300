using Tasker.Caching;
using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>What the cache participation uses of its task grain, beyond what every part of it does.</summary>
internal interface ICacheHost : ITaskHost
{
    /// <summary>Holds the task's reminder, which asks the cache again if a leader's word never arrives.</summary>
    Task HoldReminderAsync();

    /// <summary>Starts the run if the client's slots allow it; otherwise the task stays queued, waiting for one.</summary>
    Task BeginRunInSlotAsync();

    /// <summary>Stops the driver and drops the activation, whose state is ahead of storage (docs/adr/014).</summary>
    void Drop();
}

/// <summary>
/// One long task's part in the result cache's leader/follower protocol (docs/adr/003), owned by its
/// <see cref="TaskGrain"/>: a task whose identical computation runs elsewhere follows it, and takes over when that
/// leader is gone or failed; a leader reports its outcome to the cache before it commits its end.
/// </summary>
internal sealed class CacheParticipation(ICacheHost host, TaskHandlerRegistry handlers, TimeProvider clock, Func<string, IResultCacheGrain> entries)
{
    private TaskState S => host.State;

    /// <summary>Joins the cache as the task is accepted: it follows, leads (and runs), or ends with the cache's answer. Not committed here.</summary>
    public async Task JoinAsync()
    {
        var answer = await Entry().JoinAsync(S.Type, S.ParametersJson, host.Id);
        if (answer.Status == CacheLookupStatus.Follow)
        {
            S.LeaderId = answer.LeaderId;
            await host.HoldReminderAsync(); // Re-asks the cache if the leader's word never arrives.
            return;
        }

        if (answer.Status == CacheLookupStatus.Lead)
        {
            await host.BeginRunInSlotAsync();
            return;
        }

        Apply(answer);
    }

    /// <summary>The leader's word: its result ends this follower; a failed or cancelled leader does not decide for it.</summary>
    public async Task LeaderEndedAsync(CacheAnswer answer)
    {
        if (!IsFollowing)
        {
            return;
        }

        if (MustRejoin(answer))
        {
            await RejoinAsync();
            return;
        }

        await SettleAsync(answer);
    }

    /// <summary>Asks the cache again (the reminder, when the leader's word may have been lost) and does as it answers.</summary>
    public async Task RejoinAsync() => await SettleAsync(await Entry().JoinAsync(S.Type, S.ParametersJson, host.Id));

    /// <summary>
    /// Reports to the cache between a change of state and its commit. If the report fails, the activation's state is
    /// ahead of storage: the activation is dropped, so the next call or reminder reads the stored state again
    /// (docs/adr/014), instead of living on with a change that storage never saw.
    /// </summary>
    public async Task ReportEndOrDropAsync()
    {
        try
        {
            if (Reports(S, handlers.Get(S.Type)))
            {
                await Entry().CompleteAsync(host.Id, Outcome(S));
            }
        }
        catch
        {
            host.Drop();
            throw;
        }
    }

    /// <summary>The entry this task's computation made goes with the task when it expires (docs/adr/020).</summary>
    public Task ExpireEntryAsync() => Entry().ExpireAsync(host.Id);

    private bool IsFollowing => S.Exists && S.Phase == TaskPhase.Queued && S.LeaderId is not null;

    private async Task SettleAsync(CacheAnswer answer)
    {
        switch (answer.Status)
        {
            case CacheLookupStatus.Follow:
                S.LeaderId = answer.LeaderId;
                await host.CommitAsync();
                return;
            case CacheLookupStatus.Lead:
                await host.HoldReminderAsync();
                S.LeaderId = null;
                await host.BeginRunInSlotAsync();
                await host.CommitAsync();
                break;
            default:
                S.LeaderId = null;
                Apply(answer);
                await host.CommitAsync();
                await host.ReleaseReminderAsync();
                break;
        }

        await host.AfterPhaseChangeAsync();
    }

    private void Apply(CacheAnswer answer) =>
        Apply(S, answer, IsResult(answer) && handlers.Get(S.Type) is IChunkedTaskHandler chunked ? chunked.Plan(S.ParametersJson) : null, clock.GetUtcNow());

    private IResultCacheGrain Entry() => entries(ResultCacheKey.For(S.Type, S.ParametersJson));

    /// <summary>A leader that failed or was cancelled does not decide for its followers: one of them leads next.</summary>
    public static bool MustRejoin(CacheAnswer leaderWord) => leaderWord.Status == CacheLookupStatus.Failed;

    /// <summary>Whether the task's end is the cache's business: a cacheable type, and not a child (its parent's computation is).</summary>
    public static bool Reports(TaskState task, ITaskHandler handler) => handler.Cacheable && task.ParentId is null;

    /// <summary>What a leader that ended tells the cache.</summary>
    public static CacheAnswer Outcome(TaskState task) => task.Phase == TaskPhase.Succeeded
        ? new CacheAnswer(CacheLookupStatus.Computed, task.ResultJson)
        : new CacheAnswer(CacheLookupStatus.Failed, Error: task.Error);

    /// <summary>Whether a final answer carries a result (a hit, or computed by the leader), not a failure.</summary>
    public static bool IsResult(CacheAnswer answer) => answer.Status is CacheLookupStatus.Hit or CacheLookupStatus.Computed;

    /// <summary>Applies a final answer of the cache (a hit, a result computed by the leader, a failure) to the task.</summary>
    public static void Apply(TaskState task, CacheAnswer answer, TaskProgress? plan, DateTimeOffset at)
    {
        task.StartedAt ??= at;
        if (IsResult(answer))
        {
            task.ResultJson = answer.ResultJson;
            task.Cached = answer.Status == CacheLookupStatus.Hit;
            task.Progress = plan is { } whole ? new ProgressState(whole.Total, whole.Total) : null;
            task.Finish(at, TaskPhase.Succeeded);
        }
        else
        {
            task.Finish(at, TaskPhase.Failed, error: answer.Error ?? "the computation failed");
        }
    }
}
