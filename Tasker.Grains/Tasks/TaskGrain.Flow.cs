using Tasker.Due;

namespace Tasker.Tasks;

/// <summary>
/// Flows (docs/adr/035), on a parent's side: it keeps the tasks that run after it, and answers one that asks after it
/// has ended with its end at once. When it ends, its end reaches its children (and its webhook) durably: a due entry is
/// stored with the end, and sends the notices again until they are all taken. (A child's side: TaskGrain.Parents.cs.)
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

    // How many of S.Children are stored (children are only ever appended): those a parent may answer for out of turn.
    private int _storedChildren;

    // A child is kept here before it is stored itself (it asks its parents first): until then it is not found, yet it
    // keeps this task from expiring. Those kept by this activation in the last minute (longer than a submission's calls
    // may take); one whose submission failed is not found for good, and stops keeping this task after that.
    private static readonly TimeSpan _childArrivingAtMost = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, DateTimeOffset> _childrenArriving = new(StringComparer.Ordinal);

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
            var now = clock.GetUtcNow();
            foreach (var arrived in _childrenArriving.Where(c => now - c.Value >= _childArrivingAtMost).Select(c => c.Key).ToList())
            {
                _childrenArriving.Remove(arrived);
            }

            _childrenArriving[childId] = now;
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
        var now = clock.GetUtcNow();
        await ForEachAtOnceAsync(S.Children, async child =>
        {
            if (!kept && await GrainFactory.GetGrain<ITaskGrain>(child).GetAsync() is var task
                && (task is null ? _childrenArriving.TryGetValue(child, out var at) && now - at < _childArrivingAtMost : !task.Phase.IsFinal()))
            {
                kept = true; // Not ended, or not stored yet: its submission is still asking its parents.
            }
        });
        return kept;
    }

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
