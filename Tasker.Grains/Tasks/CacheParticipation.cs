using Tasker.Caching;
using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>
/// One long task's part in the result cache's leader/follower protocol (docs/adr/003), owned by its
/// <see cref="TaskGrain"/>: a task whose identical computation runs elsewhere follows it, and takes over when that
/// leader is gone or failed; a leader reports its outcome to the cache before it commits its end. It asks the cache and
/// decides (<see cref="CacheDecision"/>); the grain applies the decision and commits it.
/// </summary>
internal sealed class CacheParticipation(ITaskHost host, TaskHandlerRegistry handlers, TimeProvider clock, Func<string, IResultCacheGrain> entries)
{
    private TaskState S => host.State;

    /// <summary>Joins the cache as the task is accepted: it follows, leads (and runs), or ends with the cache's answer.</summary>
    public async Task<CacheDecision> JoinAsync() => Decide(await Entry().JoinAsync(S.Type, S.ParametersJson, host.Id));

    /// <summary>The leader's word: its result ends this follower; a failed or cancelled leader does not decide for it.</summary>
    public async Task<CacheDecision> LeaderEndedAsync(CacheAnswer answer)
    {
        if (!IsFollowing)
        {
            return new CacheDecision.Unchanged { Settles = true };
        }

        return MustRejoin(answer) ? await RejoinAsync() : Decide(answer) with { Settles = true };
    }

    /// <summary>Asks the cache again (the reminder, when the leader's word may have been lost).</summary>
    public async Task<CacheDecision> RejoinAsync() => Decide(await Entry().JoinAsync(S.Type, S.ParametersJson, host.Id)) with { Settles = true };

    /// <summary>
    /// Reports the task's end to the cache, between the end and its commit. A failure is thrown: the activation's state is
    /// then ahead of storage, and the grain drops it (docs/adr/014).
    /// </summary>
    public async Task ReportEndAsync()
    {
        if (Reports(S, handlers.Get(S.Type)))
        {
            await Entry().CompleteAsync(host.Id, Outcome(S));
        }
    }

    /// <summary>The entry this task's computation made goes with the task when it expires (docs/adr/020).</summary>
    public Task ExpireEntryAsync() => Entry().ExpireAsync(host.Id);

    private bool IsFollowing => S.Exists && S.Phase == TaskPhase.Queued && S.LeaderId is not null;

    private CacheDecision Decide(CacheAnswer answer) => answer.Status switch
    {
        CacheLookupStatus.Follow => new CacheDecision.Follow(answer.LeaderId),
        CacheLookupStatus.Lead => new CacheDecision.Lead(),
        _ => new CacheDecision.End(answer, IsResult(answer) && handlers.Get(S.Type) is IChunkedTaskHandler chunked ? chunked.Plan(S.ParametersJson) : null, clock.GetUtcNow()),
    };

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
