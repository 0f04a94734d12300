using Tasker.Due;
using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>
/// A task that runs after others (docs/adr/035), on its side: it asks each parent to keep it, waits (<c>waiting</c>: its
/// stored row, nothing in memory), and runs or ends <c>dependency-failed</c> as <see cref="Dependencies.Judge"/> decides
/// from what its parents told it, asking them again through a due entry should it forget.
/// </summary>
public sealed partial class TaskGrain
{
    // Set while a waiting task's due entry to ask its parents again is stored and has not fired.
    private bool _recheckArmed;

    public async Task ParentEndedAsync(string parentId, ParentEnd end)
    {
        ThrowIfDropped();
        if (S is { Exists: true, Phase: not TaskPhase.Waiting } && S.ParentEnds.ContainsKey(parentId))
        {
            // Told again by a parent whose end it stored: the first telling may have died with this task's silo between
            // the commit it decided and its history line, which nothing else would write again (no reminder is held).
            await RecordHistoryAsync();
            return;
        }

        if (S is not { Exists: true, Phase: TaskPhase.Waiting, After: { } after } || S.ParentEnds.ContainsKey(parentId) || !after.Contains(parentId))
        {
            return; // Told before, not waiting any more, or not a parent of this task.
        }

        S.ParentEnds[parentId] = Keep(end);
        if (Dependencies.Judge(after, S.ParentEnds, S.AfterPolicy).Verdict == DependencyVerdict.Wait)
        {
            // Not stored: a child of a thousand parents would write its growing state a thousand times, one after another.
            // What it learnt can be learnt again from its parents, which it keeps from expiring: a due entry asks them
            // should this activation go before the parents decide.
            try
            {
                await ArmRecheckAsync();
            }
            catch
            {
                S.ParentEnds.Remove(parentId); // Not taken: the parent tells it again, and it must not be found known then.
                throw;
            }

            return;
        }

        await DecideOnParentsAsync(parentId);
    }

    /// <summary>A waiting task's due entry: asks the parents it has not heard from (again) and acts on their answers, storing what it knows.</summary>
    private async Task RecheckParentsAsync()
    {
        _recheckArmed = false;
        var unheard = S.After!.Where(p => !S.ParentEnds.ContainsKey(p)).ToArray();
        var answers = new ParentAnswer[unheard.Length];
        await ForEachAtOnceAsync(Enumerable.Range(0, unheard.Length), async i => answers[i] = await AskParentAsync(unheard[i]));
        for (var i = 0; i < unheard.Length; i++)
        {
            if (answers[i].Kind is ParentAnswerKind.Ended or ParentAnswerKind.Gone or ParentAnswerKind.NotYours)
            {
                S.ParentEnds[unheard[i]] = answers[i].End is { } end ? Keep(end) : ParentEnd.Gone;
            }
        }

        await DecideOnParentsAsync(unheard.FirstOrDefault() ?? S.After![^1]);
    }

    /// <summary>Acts on what the waiting task knows of its parents (storing it, whatever the verdict), then tells its history.</summary>
    private async Task DecideOnParentsAsync(string lastHeard)
    {
        try
        {
            await ActOnParentsAsync(handlers.Get(S.Type));
        }
        catch
        {
            Drop(); // This activation's state is ahead of storage; the parents (or the due entry) tell it again.
            throw;
        }

        if (S.Phase != TaskPhase.Waiting)
        {
            await AfterPhaseChangeAsync();
            TaskFlowLog.ParentsDecided(logger, Id, S.Client, lastHeard, S.Phase.ToWire());
        }
    }

    /// <summary>Stores, once per activation and until it fires, the due entry that makes a waiting task ask its parents again.</summary>
    private async Task ArmRecheckAsync()
    {
        if (_recheckArmed)
        {
            return;
        }

        var at = DueShards.WholeMilliseconds(clock.GetUtcNow() + EndNoticesAgainAfter);
        await dueStore.AddAsync(DueShards.Of(Id), Id, at); // Throws before the parent counts its notice as taken.
        _recheckArmed = true;
        _expectDueAt = at;
        TellShardOfDueEntry();
    }

    /// <summary>
    /// Asks a parent to keep this task, or how it ended. A parent that keeps it already (a retried submission, a waiting
    /// task asking again) answers out of its turn, which may be busy telling this task its end: asking in turn then would
    /// make each wait for the other until the call timed out, again at every retry (both retry on the same due shard's
    /// beat). A parent that does not keep it yet cannot be telling it anything, so asking in turn is safe.
    /// </summary>
    private async Task<ParentAnswer> AskParentAsync(string parentId)
    {
        var parent = GrainFactory.GetGrain<ITaskGrain>(parentId);
        return await parent.AnswerKeptChildAsync(Id) ?? await parent.AddChildAsync(Id, S.Client);
    }

    /// <summary>
    /// Makes the just accepted task wait for its parents: asks each to keep it, then acts on what they answered. Before the
    /// first commit: a parent that keeps a child never stored tells it nothing (the child is not found), which is harmless.
    /// </summary>
    private async Task AcceptAfterParentsAsync(ITaskHandler handler)
    {
        var parents = S.After!;
        var answers = new ParentAnswer[parents.Length];
        await ForEachAtOnceAsync(Enumerable.Range(0, parents.Length), async i => answers[i] = await AskParentAsync(parents[i]));
        for (var i = 0; i < parents.Length; i++)
        {
            switch (answers[i].Kind)
            {
                case ParentAnswerKind.NotYours:
                    throw new SubmissionRefusedException($"task {parents[i]} is not client '{S.Client}''s: a task can run only after its own client's tasks");
                case ParentAnswerKind.TooManyChildren:
                    throw new DependencyRefusedException(parents[i], $"task {parents[i]} already has {TaskState.MaxChildren:N0} tasks that run after it, the most one task may have");
                case ParentAnswerKind.Ended:
                    S.ParentEnds[parents[i]] = Keep(answers[i].End!);
                    break;
                case ParentAnswerKind.Gone:
                    S.ParentEnds[parents[i]] = ParentEnd.Gone; // Deleted or expired since the front end found it.
                    break;
            }
        }

        S.Phase = TaskPhase.Waiting;
        await ActOnParentsAsync(handler);
    }

    /// <summary>Waits on, runs, or ends the waiting task as its parents' ends decide, and stores it.</summary>
    private async Task ActOnParentsAsync(ITaskHandler handler)
    {
        var (verdict, blamed) = Dependencies.Judge(S.After!, S.ParentEnds, S.AfterPolicy);
        switch (verdict)
        {
            case DependencyVerdict.Wait:
                await CommitAsync();
                break;
            case DependencyVerdict.Fail:
                S.Finish(clock.GetUtcNow(), TaskPhase.Cancelled, Dependencies.Why(blamed!, S.ParentEnds[blamed!]), TaskErrorCodes.DependencyFailed);
                await CommitAsync();
                break;
            case DependencyVerdict.Run when S.RunAt is { } runAt && runAt > clock.GetUtcNow():
                await ScheduleAsync(runAt);
                await CommitAsync();
                break;
            default:
                S.Phase = TaskPhase.Queued;
                await StartAsync(handler);
                break;
        }
    }

    /// <summary>Runs a fan-in task, which reads its parents' results, to its end (not stored yet).</summary>
    private void RunFanIn(IFanInTaskHandler handler)
    {
        S.StartedAt = clock.GetUtcNow();
        var results = (S.After ?? []).Select(p => S.ParentEnds.GetValueOrDefault(p))
            .Where(end => end is { Phase: TaskPhase.Succeeded, ResultJson: not null })
            .Select(end => end!.ResultJson!)
            .ToList();
        try
        {
            S.ResultJson = handler.Execute(S.ParametersJson, results);
            S.Finish(clock.GetUtcNow(), TaskPhase.Succeeded);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            TaskGrainLog.Failed(logger, Id, S.Client, exception.Message, exception);
            S.Finish(clock.GetUtcNow(), TaskPhase.Failed, exception.Message);
        }
    }

    /// <summary>What the task keeps of a parent's end: the result only when its type reads its parents' results (state stays small).</summary>
    private ParentEnd Keep(ParentEnd end) =>
        end.ResultJson is not null && !(handlers.TryGet(S.Type, out var handler) && handler is IFanInTaskHandler) ? end with { ResultJson = null } : end;
}
