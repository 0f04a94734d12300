using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tasker.Due;
using Tasker.Storage;

namespace Tasker.Webhooks;

/// <summary>
/// Delivers one task's completion webhook, durably and at least once (docs/adr/036). The delivery's state (the body,
/// made once, and the last attempts) is stored before anything is sent, and one due entry always says when the grain
/// must wake: before an attempt it moves to a lease past the attempt's timeout, so that a silo lost mid-attempt is
/// followed by another try from whichever silo runs the shard; after it, to the next retry, or to the time the
/// finished record is forgotten. Every try carries the same <c>webhook-id</c>.
/// </summary>
public sealed class WebhookGrain(
    [PersistentState("webhook", TaskerStorage.Name)] IPersistentState<WebhookState> state,
    IDueStore dueStore,
    IWebhookSender sender,
    IWebhookBodies bodies,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookGrain> logger) : Grain, IWebhookGrain
{
    // Past an attempt's own timeout: the time its answer, state write and next entry take at most.
    private static readonly TimeSpan _leaseMargin = TimeSpan.FromSeconds(15);

    private IGrainTimer? _attempt;
    private DateTimeOffset? _leasedUntil;

    private WebhookState S => state.State;

    private WebhookOptions Options => options.Value;

    private string TaskId => this.GetPrimaryKeyString();

    private string DueKey => WebhookDue.Key(TaskId);

    public async Task TaskEndedAsync(TaskEndNotice notice)
    {
        var task = notice.Task;
        var endKey = $"{task.Phase.ToWire()}@{task.FinishedAt?.ToUnixTimeMilliseconds()}";
        if (S.Exists && S.EndKey == endKey)
        {
            // The same end told again (notices are at least once): its delivery exists already. Its wake-up may not, if
            // the first notice failed half-way (the two writes below go together): stored again, it costs nothing more.
            if (S.Status == WebhookDeliveryStatus.Pending)
            {
                await LeaseAsync(clock.GetUtcNow());
                AttemptSoon();
            }

            return;
        }

        var now = clock.GetUtcNow();
        var eventType = "task." + task.Phase.ToWire();
        var body = bodies.Render(task, eventType, task.FinishedAt ?? now, Options.MaxBodyBytes);

        state.State = new WebhookState
        {
            Exists = true,
            Client = task.Client,
            Url = notice.Callback.Url,
            EventType = eventType,
            WebhookId = "msg_" + TaskId,
            Body = body,
            EndKey = endKey,
            Status = WebhookDeliveryStatus.Pending,
            WindowStart = now,
            NextAttemptAt = now,
        };

        // The wake-up and the delivery are written together, to start the first attempt one round trip sooner. If either
        // fails, the call fails and the task tells this end again, which stores the wake-up again (above).
        await Task.WhenAll(LeaseAsync(now), state.WriteOrDropAsync(this));
        WebhookGrainLog.Accepted(logger, TaskId, S.Client, eventType, S.WebhookId);
        AttemptSoon();
    }

    public async Task<bool> DueAsync(DateTimeOffset dueAt)
    {
        if (!S.Exists)
        {
            DeactivateOnIdle();
            return true; // Nothing (left) to deliver: the entry goes.
        }

        if (S.Status == WebhookDeliveryStatus.Pending)
        {
            if (S.NextAttemptAt is { } next && dueAt < next)
            {
                // An entry this grain has moved on from: make sure the one it waits for is stored.
                await dueStore.AddAsync(DueShards.Of(DueKey), DueKey, next);
                return true;
            }

            await LeaseAsync(clock.GetUtcNow()); // Moved, so that the shard's removal of this entry leaves the lease.
            AttemptSoon();
            return true;
        }

        if (S.ForgetAt is { } forget)
        {
            if (dueAt >= forget)
            {
                await state.ClearAndDropAsync(this);
            }
            else
            {
                await dueStore.AddAsync(DueShards.Of(DueKey), DueKey, forget);
            }
        }

        return true;
    }

    // Read while an attempt awaits its receiver (up to the timeout): it only copies the state, in one synchronous step.
    public Task<WebhookDeliveries?> GetDeliveriesAsync() => Task.FromResult(MayRead() ? Snapshot() : null);

    public async Task<WebhookDeliveries?> RedeliverAsync()
    {
        if (!MayRead())
        {
            return null;
        }

        var now = clock.GetUtcNow();
        await LeaseAsync(now);
        S.Status = WebhookDeliveryStatus.Pending;
        S.WindowStart = now;
        S.WindowAttempts = 0;
        S.NextAttemptAt = now;
        S.ForgetAt = null;
        await state.WriteOrDropAsync(this);
        WebhookGrainLog.Redelivering(logger, S.WebhookId, TaskId, S.Client);
        AttemptSoon();
        return Snapshot();
    }

    private bool MayRead() => S.Exists && (Caller.Current is not { } caller || caller.MayAccess(S.Client));

    /// <summary>Moves the due entry past an attempt that starts at <paramref name="now"/>.</summary>
    private async Task LeaseAsync(DateTimeOffset now)
    {
        var until = DueShards.WholeMilliseconds(now + Options.Timeout + _leaseMargin);
        await dueStore.AddAsync(DueShards.Of(DueKey), DueKey, until);
        _leasedUntil = until;
    }

    /// <summary>An attempt on a turn of its own, so that whoever woke the grain (the task, the shard) does not wait for the receiver.</summary>
    private void AttemptSoon()
    {
        _attempt ??= this.RegisterGrainTimer(AttemptAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = System.Threading.Timeout.InfiniteTimeSpan,
            KeepAlive = true,
        });
    }

    private async Task AttemptAsync(CancellationToken cancellationToken)
    {
        // Disposed once done, not before: disposing a timer cancels the token its callback holds.
        var timer = _attempt;
        try
        {
            if (S.Exists && S.Status == WebhookDeliveryStatus.Pending)
            {
                await AttemptOnceAsync(cancellationToken);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Storage away, or the activation going: the stored entry (the lease, at worst) wakes the grain again.
            WebhookGrainLog.AttemptCrashed(logger, TaskId, exception);
            DeactivateOnIdle();
        }
        finally
        {
            _attempt = null;
            timer?.Dispose();
        }
    }

    private async Task AttemptOnceAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_leasedUntil is not { } leased || leased < now + Options.Timeout)
        {
            await LeaseAsync(now);
        }

        var started = clock.GetTimestamp();
        var keys = await GrainFactory.GetGrain<IWebhookSecretGrain>(S.Client).GetSigningKeysAsync();
        var outcome = keys is null
            ? new WebhookSendOutcome(null, $"client '{S.Client}' has no webhook secret yet (POST /users/{S.Client}/webhook-secret makes one); nothing unsigned is sent")
            : await sender.SendAsync(new WebhookMessage(S.Url, S.WebhookId, S.Body, keys), cancellationToken);
        if (cancellationToken.IsCancellationRequested)
        {
            return; // The activation is going (the silo stops): the lease brings the attempt back.
        }

        var duration = (int)Math.Min(int.MaxValue, clock.GetElapsedTime(started).TotalMilliseconds);
        S.Attempts.Add(new WebhookAttemptState(now, outcome.StatusCode, duration, outcome.Error, S.WebhookId));
        if (S.Attempts.Count > WebhookOptions.MaxAttemptsKept)
        {
            S.Attempts.RemoveRange(0, S.Attempts.Count - WebhookOptions.MaxAttemptsKept);
        }

        S.AttemptCount++;
        S.WindowAttempts++;
        var ended = clock.GetUtcNow();
        if (outcome.Delivered)
        {
            End(WebhookDeliveryStatus.Delivered, ended);
        }
        else if (outcome.StatusCode == 410)
        {
            End(WebhookDeliveryStatus.Gone, ended);
        }
        else if (outcome.Refused)
        {
            End(WebhookDeliveryStatus.Refused, ended);
        }
        else
        {
            var windowEnd = S.WindowStart + Options.RetryFor;
            if (ended >= windowEnd)
            {
                End(WebhookDeliveryStatus.GaveUp, ended);
            }
            else
            {
                var next = ended + Options.RetryDelay(S.WindowAttempts, Random.Shared.NextDouble());
                S.NextAttemptAt = DueShards.WholeMilliseconds(next < windowEnd ? next : windowEnd); // The last try at the window's end.
            }
        }

        if (S.Status == WebhookDeliveryStatus.Pending)
        {
            await dueStore.AddAsync(DueShards.Of(DueKey), DueKey, S.NextAttemptAt!.Value);
            _leasedUntil = null;
        }

        // An ended delivery keeps its lease entry: when it falls due, DueAsync moves it to the record's expiry. One write
        // fewer on the way of every delivery, off to when the lease falls due.
        await state.WriteOrDropAsync(this);
        Report(outcome);
        if (S.Status == WebhookDeliveryStatus.Pending)
        {
            // One-way hint, so that the shard aims at the retry; a lost one costs at most a heartbeat.
            _ = GrainFactory.GetGrain<IDueShardGrain>(DueShards.Of(DueKey)).ExpectAsync(S.NextAttemptAt!.Value);
        }
    }

    private void End(WebhookDeliveryStatus status, DateTimeOffset now)
    {
        S.Status = status;
        S.NextAttemptAt = null;
        S.ForgetAt = DueShards.WholeMilliseconds(now + Options.KeepFor);
    }

    private void Report(WebhookSendOutcome outcome)
    {
        switch (S.Status)
        {
            case WebhookDeliveryStatus.Delivered:
                WebhookGrainLog.Delivered(logger, S.WebhookId, TaskId, S.Client, outcome.StatusCode, S.AttemptCount);
                break;
            case WebhookDeliveryStatus.Gone:
                WebhookGrainLog.Gone(logger, S.WebhookId, TaskId, S.Client);
                break;
            case WebhookDeliveryStatus.Refused:
                WebhookGrainLog.Refused(logger, S.WebhookId, TaskId, S.Client, outcome.Error);
                break;
            case WebhookDeliveryStatus.GaveUp:
                WebhookGrainLog.GaveUp(logger, S.WebhookId, TaskId, S.Client, S.AttemptCount, outcome.Error);
                break;
            default:
                WebhookGrainLog.Failed(logger, S.WebhookId, TaskId, S.Client, S.AttemptCount, outcome.StatusCode, outcome.Error, S.NextAttemptAt);
                break;
        }
    }

    private WebhookDeliveries Snapshot() => new(
        TaskId, S.Client, S.Url, S.EventType, S.WebhookId, S.Status, S.NextAttemptAt, S.AttemptCount,
        [.. S.Attempts.Select(a => a.ToWire())]);

    // Whole milliseconds: what every due store keeps exactly, so that the time the shard reads back is this one.
}
