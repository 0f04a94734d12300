using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tasker.Due;

/// <summary>
/// Starts what falls due in its shard (docs/adr/034). Storage is the truth: the shard reads the entries due by now,
/// tells each task (which starts once, whatever the number of calls), forgets the entries the tasks took, and aims a
/// one-shot grain timer at the earliest entry left. One reminder is its heartbeat: after a restart or the loss of its
/// silo, the next activation reads everything overdue, so nothing is lost, at worst late by one reminder period.
/// </summary>
public sealed partial class DueShardGrain(IDueStore store, TimeProvider clock, IOptions<TaskerOptions> options, ILogger<DueShardGrain> logger)
    : Grain, IDueShardGrain, IRemindable
{
    private const string Heartbeat = "heartbeat";

    // Entries read at once, and told at once: a busy second's tasks go in a few round trips, none waits behind thousands.
    private const int ReadBatch = 512;
    private const int CallBatch = 64;

    // After a failed call, the entry is tried again this much later rather than in a tight loop.
    private static readonly TimeSpan _retryAfter = TimeSpan.FromSeconds(2);

    private IGrainTimer? _timer;
    private DateTimeOffset? _aimedAt;

    private int Shard => (int)this.GetPrimaryKeyLong();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var period = options.Value.ReminderPeriod;
        await this.RegisterOrUpdateReminder(Heartbeat, period, period);
        Aim(clock.GetUtcNow()); // Whatever became due while nobody ran this shard.
    }

    public Task ExpectAsync(DateTimeOffset dueAt)
    {
        Aim(dueAt);
        return Task.CompletedTask;
    }

    public Task PingAsync() => Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Aim(clock.GetUtcNow());
        return Task.CompletedTask;
    }

    /// <summary>Makes the timer fire at <paramref name="at"/> unless it fires earlier already.</summary>
    private void Aim(DateTimeOffset at)
    {
        if (_aimedAt is { } aimed && aimed <= at)
        {
            return;
        }

        _timer?.Dispose();
        var wait = at - clock.GetUtcNow();
        _timer = this.RegisterGrainTimer(FireAsync, new GrainTimerCreationOptions
        {
            DueTime = wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            Period = Timeout.InfiniteTimeSpan,
            KeepAlive = true, // An idle shard must not be collected while it waits: its timer is the precise wake-up.
        });
        _aimedAt = at;
    }

    private async Task FireAsync(CancellationToken cancellationToken)
    {
        _aimedAt = null;
        Caller.Set(null); // The tasks start on the system's behalf.
        var failed = false;
        try
        {
            while (!failed)
            {
                var due = await store.DueAsync(Shard, clock.GetUtcNow(), ReadBatch, cancellationToken);
                foreach (var calls in due.Chunk(CallBatch))
                {
                    failed |= (await Task.WhenAll(calls.Select(StartAsync))).Contains(false);
                }

                if (due.Count < ReadBatch)
                {
                    break;
                }
            }

            if (await store.EarliestAsync(Shard, cancellationToken) is { } earliest)
            {
                Aim(failed ? Later(earliest) : earliest);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            DueShardLog.ReadFailed(logger, Shard, exception);
            Aim(clock.GetUtcNow() + _retryAfter); // Storage away: the reminder would also come, but later.
        }
    }

    private DateTimeOffset Later(DateTimeOffset earliest)
    {
        var retry = clock.GetUtcNow() + _retryAfter;
        return earliest > retry ? earliest : retry;
    }

    /// <summary>Tells the task (or the delivery) its time has come; forgets the entry once it has been taken. False on failure.</summary>
    private async Task<bool> StartAsync(DueEntry entry)
    {
        try
        {
            // A webhook delivery's entry (docs/adr/036) wakes its webhook grain; every other entry is a task's.
            var taken = Webhooks.WebhookDue.TaskIdOf(entry.TaskId) is { } webhookOf
                ? await GrainFactory.GetGrain<IWebhookGrain>(webhookOf).DueAsync(entry.DueAt)
                : await GrainFactory.GetGrain<ITaskGrain>(entry.TaskId).DueAsync(entry.DueAt);
            if (taken)
            {
                await store.RemoveAsync(entry.TaskId, entry.DueAt);
            }

            return true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            DueShardLog.StartFailed(logger, entry.TaskId, Shard, exception);
            return false;
        }
    }
}

/// <summary>Activates every due shard once the silo takes calls, so that what fell due while Tasker was down starts now.</summary>
public sealed partial class DueShardsStarter(IGrainFactory grains, ILogger<DueShardsStarter> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DueShardsStarter), ServiceLifecycleStage.Active, StartAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, DueShards.Count).Select(shard => grains.GetGrain<IDueShardGrain>(shard).PingAsync()));
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Not fatal: each shard's reminder wakes it within a period.
            DueShardLog.PingFailed(logger, exception);
        }
    }
}
