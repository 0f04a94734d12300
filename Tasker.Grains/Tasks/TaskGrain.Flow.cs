using Tasker.Due;
using Tasker.Handlers;

namespace Tasker.Tasks;

/// <summary>
/// Flows (docs/adr/035). A task with <c>after</c> asks each parent to keep it; a parent that has ended answers with its
/// end at once. The child then waits (<c>waiting</c>: its stored row, nothing in memory), runs, or ends
/// <c>dependency-failed</c>, as <see cref="Dependencies.Judge"/> decides. When a task ends, its end reaches its children
/// (and its webhook) durably: a due entry is stored with the end, and sends the notices again until they are all taken.
/// </summary>
public sealed partial class TaskGrain
{
    // Grain calls of one fan-out in flight at once: a thousand at once would queue ahead of everyone else's calls.
    private const int CallsAtOnce = 64;

    // When the end's notices are sent again if the first sending did not finish (a crash, an outage): no later than the
    // reminders that recover everything else would (Tasker:ReminderPeriod), and at most 30 s.
    private static readonly TimeSpan _endNoticesAgainAtMost = TimeSpan.FromSeconds(30);

    private TimeSpan EndNoticesAgainAfter =>
        options.Value.ReminderPeriod < _endNoticesAgainAtMost ? options.Value.ReminderPeriod : _endNoticesAgainAtMost;

    // Set by a commit that made the end's notices pending: they are sent once it is stored.
    private bool _sendEndNotices;

    // Set while a waiting task's due entry to ask its parents again is stored and has not fired.
    private bool _recheckArmed;

    // How many of S.Children are stored (children are only ever appended): those a parent may answer for out of turn.
    private int _storedChildren;

    public async Task<ParentAnswer> AddChildAsync(string childId, string client)
    {
        ThrowIfDropped();
        if (!S.Exists)
        {
            DeactivateOnIdle();
            return new ParentAnswer(ParentAnswerKind.Gone);
        }

        if (S.Client != client)
        {
            return new ParentAnswer(ParentAnswerKind.NotYours);
        }

        if (!S.Children.Contains(childId))
        {
            if (S.Children.Count >= TaskState.MaxChildren)
            {
                return new ParentAnswer(ParentAnswerKind.TooManyChildren);
            }

            S.Children.Add(childId);
            if (S.Phase.IsFinal() && S.EndNotices == EndNotices.None)
            {
                S.EndNotices = EndNotices.Sent; // Ended before it had children (a short task): this child hears it below.
            }

            await CommitAsync(); // Kept before the answer: the child counts on being told.
        }

        return S.Phase.IsFinal()
            ? new ParentAnswer(ParentAnswerKind.Ended, new ParentEnd(S.Phase, S.ResultJson))
            : new ParentAnswer(ParentAnswerKind.Waiting);
    }

    public Task<ParentAnswer?> AnswerKeptChildAsync(string childId)
    {
        ThrowIfDropped();

        // Only what is stored counts: a child kept in memory whose write fails would wait for a parent that never tells it.
        var kept = S.Children.IndexOf(childId) is var at && at >= 0 && at < _storedChildren;
        return Task.FromResult(kept && _published is { } stored
            ? stored.Phase.IsFinal() ? new ParentAnswer(ParentAnswerKind.Ended, new ParentEnd(stored.Phase, stored.ResultJson)) : new ParentAnswer(ParentAnswerKind.Waiting)
            : null);
    }

    public async Task ParentEndedAsync(string parentId, ParentEnd end)
    {
        ThrowIfDropped();
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

    public async Task SendEndNoticesAsync()
    {
        if (_dropped || S is not { Exists: true, EndNotices: EndNotices.Pending })
        {
            return;
        }

        try
        {
            await TellEndAsync(new ParentEnd(S.Phase, S.ResultJson));
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            TaskFlowLog.NoticesFailed(logger, Id, S.Client, S.EndNoticesDueAt, exception); // Their due entry sends them again.
            return;
        }

        var due = S.EndNoticesDueAt;
        S.EndNotices = EndNotices.Sent;
        S.EndNoticesDueAt = null;
        await CommitAsync(visible: false);
        await ForgetDueAsync(due);
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

    /// <summary>
    /// Before a commit: a task that has just ended with children to tell or a webhook to call stores a due entry with its
    /// end, which sends the notices again until they are all taken; they are first sent as soon as the end is stored.
    /// </summary>
    private async Task ArmEndNoticesAsync()
    {
        if (!S.Phase.IsFinal() || S.EndNotices != EndNotices.None)
        {
            return;
        }

        if (S.Children.Count == 0 && S.Callback?.Announces(S.Phase) != true)
        {
            S.EndNotices = EndNotices.Sent; // Nothing to tell: a child added later is answered with the end itself.
            return;
        }

        var at = DueShards.WholeMilliseconds(clock.GetUtcNow() + EndNoticesAgainAfter);
        await AddDueEntryOrDropAsync(at);
        S.EndNotices = EndNotices.Pending;
        S.EndNoticesDueAt = at;
        _expectDueAt ??= at;
        _sendEndNotices = true;
    }

    /// <summary>After a commit that made the end's notices pending: sends them in a turn of their own.</summary>
    private void SendEndNoticesSoon()
    {
        if (!_sendEndNotices)
        {
            return;
        }

        _sendEndNotices = false;
        try
        {
            _ = this.AsReference<ITaskGrain>().SendEndNoticesAsync(); // One-way: the task's end does not wait for its children.
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            TaskFlowLog.NoticesFailed(logger, Id, S.Client, S.EndNoticesDueAt, exception);
        }
    }

    /// <summary>The end notices' due entry: sends what the first sending did not; throws (the entry stays) when they fail again.</summary>
    private async Task SendEndNoticesAgainAsync()
    {
        await TellEndAsync(new ParentEnd(S.Phase, S.ResultJson));
        S.EndNotices = EndNotices.Sent;
        S.EndNoticesDueAt = null;
        await CommitAsync(visible: false);
    }

    /// <summary>Tells every child (and the webhook, for an end it announces) how this task ended; throws if any did not take it.</summary>
    private async Task TellEndAsync(ParentEnd end)
    {
        await ForEachAtOnceAsync(S.Children, child => GrainFactory.GetGrain<ITaskGrain>(child).ParentEndedAsync(Id, end));
        if (end.Phase is { } phase && S.Callback is { } callback && callback.Announces(phase))
        {
            await GrainFactory.GetGrain<IWebhookGrain>(Id).TaskEndedAsync(new TaskEndNotice(ToSnapshot(), callback.ToWire()));
        }
    }

    /// <summary>
    /// Before a task that has children is deleted: a child still waiting must not wait for it for ever. It learns the end
    /// if the task had ended, or that the task is gone. Throws, and nothing is deleted, if one did not take it.
    /// </summary>
    private async Task TellChildrenBeforeGoingAsync()
    {
        if (S.Children.Count == 0)
        {
            return; // Told again even when told before: a waiting child may not have stored it, and asks a task that is gone.
        }

        var end = S.Phase.IsFinal() ? new ParentEnd(S.Phase, S.ResultJson) : ParentEnd.Gone;
        await ForEachAtOnceAsync(S.Children, child => GrainFactory.GetGrain<ITaskGrain>(child).ParentEndedAsync(Id, end));
    }

    /// <summary>True while a task that runs after this one has not ended: this one must not expire before it.</summary>
    private async Task<bool> KeptByChildrenAsync()
    {
        if (S.EndNotices == EndNotices.Pending)
        {
            return true;
        }

        var kept = false;
        await ForEachAtOnceAsync(S.Children, async child =>
        {
            if (!kept && await GrainFactory.GetGrain<ITaskGrain>(child).GetAsync() is { } task && !task.Phase.IsFinal())
            {
                kept = true;
            }
        });
        return kept;
    }

    /// <summary>What the task keeps of a parent's end: the result only when its type reads its parents' results (state stays small).</summary>
    private ParentEnd Keep(ParentEnd end) =>
        end.ResultJson is not null && !(handlers.TryGet(S.Type, out var handler) && handler is IFanInTaskHandler) ? end with { ResultJson = null } : end;

    private void ThrowIfDropped()
    {
        if (_dropped)
        {
            // This activation's state is ahead of storage and on its way out: the caller's retry meets the next one.
            throw new InvalidOperationException($"Task {Id} is reactivating; call again.");
        }
    }

    /// <summary>Runs <paramref name="call"/> for each item, <see cref="CallsAtOnce"/> at a time, on the grain's own scheduler.</summary>
    private static async Task ForEachAtOnceAsync<T>(IEnumerable<T> items, Func<T, Task> call)
    {
        foreach (var chunk in items.Chunk(CallsAtOnce))
        {
            await Task.WhenAll(chunk.Select(call));
        }
    }
}

/// <summary>What a waiting task does once it knows some or all of its parents' ends.</summary>
public enum DependencyVerdict
{
    Wait,
    Run,
    Fail,
}

/// <summary>The rules of <c>after</c> as a pure function (README "Flows"), tested without a cluster.</summary>
public static class Dependencies
{
    /// <summary>
    /// Under <see cref="AfterPolicy.AllSucceeded"/> the first parent (in the order named) that ended otherwise fails the task at
    /// once, whether or not the others have ended; under <see cref="AfterPolicy.AllEnded"/> any end counts. Otherwise the
    /// task runs when every parent has ended, and waits until then.
    /// </summary>
    public static (DependencyVerdict Verdict, string? Blamed) Judge(IReadOnlyList<string> after, IReadOnlyDictionary<string, ParentEnd> ends, AfterPolicy policy)
    {
        var waiting = false;
        foreach (var parent in after)
        {
            if (!ends.TryGetValue(parent, out var end))
            {
                waiting = true;
            }
            else if (policy == AfterPolicy.AllSucceeded && end.Phase != TaskPhase.Succeeded)
            {
                return (DependencyVerdict.Fail, parent);
            }
        }

        return (waiting ? DependencyVerdict.Wait : DependencyVerdict.Run, null);
    }

    /// <summary>The error of a task that ended <c>dependency-failed</c>, naming the parent.</summary>
    public static string Why(string parent, ParentEnd end) => end.Phase switch
    {
        null => $"parent task {parent} was deleted or expired before it succeeded",
        { } phase => $"parent task {parent} {phase.ToWire()}",
    };
}
