using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tasker.Handlers;
using Tasker.Storage;
using Tasker.Tasks;
using Tasker.Users;

namespace Tasker.Schedules;

/// <summary>
/// One recurring schedule (docs/adr/033). While active it holds one reminder as a heartbeat (reminders fire at most once
/// a minute in production, and survive the silo) and a grain timer aimed at its next due time. Each look at it, by the
/// timer, the heartbeat or its activation, decides from its stored last due time what is due (<see cref="SchedulePlanner"/>)
/// and makes each task with the idempotency key <c>schedule:{id}:{due time in UTC}</c> before it stores the due time as
/// dealt with: a look repeated after a crash between the two meets the same task, so each due time makes one task.
/// </summary>
public sealed partial class ScheduleGrain(
    [PersistentState("schedule", TaskerStorage.Name)] IPersistentState<ScheduleState> state,
    TaskHandlerRegistry handlers,
    InstantTasks instantTasks,
    IOptions<TaskerOptions> tasker,
    IOptions<ScheduleOptions> options,
    TimeProvider clock,
    ILogger<ScheduleGrain> logger) : Grain, IScheduleGrain, IRemindable
{
    private const string Heartbeat = "schedule";

    // Orleans timers take at most about 49 days; a far due time is aimed at again from a nearer look.
    private static readonly TimeSpan _longestWait = TimeSpan.FromDays(1);

    private IGrainTimer? _timer;
    private bool _heartbeatHeld;
    private ScheduleTimes? _times;

    private ScheduleState S => state.State;

    private string Key => this.GetPrimaryKeyString();

    private (string Client, string Id) Name => ScheduleKeys.Parse(Key);

    private bool Exists => S.Definition is not null;

    private bool Active => Exists && !S.Paused;

    private ScheduleTimes Times => _times ??= ScheduleTimes.Of(S.Definition!, S.Anchor);

    /// <summary>Per-user isolation (docs/adr/015): a signed-in caller who may not access the client finds nothing.</summary>
    private static bool HiddenFrom(string client) => Caller.Current is { } caller && !caller.MayAccess(client);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Active)
        {
            Aim(TimeSpan.Zero); // Whatever fell due while no activation looked.
        }

        return Task.CompletedTask;
    }

    public async Task<SchedulePutResult> PutAsync(ScheduleDefinition definition, int maxSchedules)
    {
        var (client, id) = Name;
        if (HiddenFrom(client))
        {
            throw new SubmissionRefusedException($"user '{Caller.Current!.Name}' may not put schedules for client '{client}'");
        }

        var created = !Exists;
        if (created && !await GrainFactory.GetGrain<IScheduleIndexGrain>(client).AddAsync(id, maxSchedules))
        {
            return new SchedulePutResult(SchedulePutStatus.TooMany, null);
        }

        var now = clock.GetUtcNow();
        if (created)
        {
            state.State = new ScheduleState { CreatedAt = now };
        }

        var previous = S.Definition;
        S.Definition = definition;
        S.UpdatedAt = now;
        S.PutBy = Caller.Current?.Name;
        if (created || previous!.Every != definition.Every || previous.StartAt != definition.StartAt)
        {
            // On a whole second: an interval's due times (and their idempotency keys) read as people expect.
            S.Anchor = definition.StartAt ?? new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        }

        // Due times count from now: a new definition does not make up for what the old one would have made.
        S.LastDue = now;
        _times = null;
        await CommitAsync();
        ScheduleGrainLog.Put(logger, id, client, created ? "created" : "replaced");
        await SyncWakeUpsAsync();
        Aim(null); // At the new definition's next due time, not the old one's.
        return new SchedulePutResult(created ? SchedulePutStatus.Created : SchedulePutStatus.Replaced, Snapshot());
    }

    public Task<ScheduleSnapshot?> GetAsync() =>
        Task.FromResult(Exists && !HiddenFrom(Name.Client) ? Snapshot() : null);

    public Task<IReadOnlyList<ScheduleRun>?> RunsAsync(int limit) =>
        Task.FromResult<IReadOnlyList<ScheduleRun>?>(Exists && !HiddenFrom(Name.Client) ? [.. S.Runs.Take(limit)] : null);

    /// <summary>The next due times from now (or from the last one dealt with, when that is later).</summary>
    public Task<IReadOnlyList<DateTimeOffset>?> NextAsync(int count)
    {
        if (!Exists || HiddenFrom(Name.Client))
        {
            return Task.FromResult<IReadOnlyList<DateTimeOffset>?>(null);
        }

        var now = clock.GetUtcNow();
        return Task.FromResult<IReadOnlyList<DateTimeOffset>?>(Times.Next(S.LastDue > now ? S.LastDue : now, count));
    }

    public async Task<ScheduleSnapshot?> PauseAsync()
    {
        if (!Exists || HiddenFrom(Name.Client))
        {
            return null;
        }

        if (!S.Paused)
        {
            S.Paused = true;
            await CommitAsync();
            ScheduleGrainLog.Put(logger, Name.Id, Name.Client, "paused");
            await SyncWakeUpsAsync();
        }

        return Snapshot();
    }

    public async Task<ScheduleSnapshot?> ResumeAsync()
    {
        if (!Exists || HiddenFrom(Name.Client))
        {
            return null;
        }

        if (S.Paused)
        {
            S.Paused = false;
            await CommitAsync();
            ScheduleGrainLog.Put(logger, Name.Id, Name.Client, "resumed");
            await SyncWakeUpsAsync();
            Aim(TimeSpan.Zero); // The due times passed while paused are missed: the missed policy says what they make.
        }

        return Snapshot();
    }

    public async Task<ScheduleRun?> TriggerAsync()
    {
        if (!Exists || HiddenFrom(Name.Client))
        {
            return null;
        }

        var run = await FireAsync(clock.GetUtcNow(), triggered: true);
        await CommitAsync();
        return run;
    }

    public async Task<bool> DeleteAsync()
    {
        var (client, id) = Name;
        if (!Exists || HiddenFrom(client))
        {
            return false;
        }

        StopTimer();
        await ReleaseHeartbeatAsync();
        await state.ClearAndDropAsync(this);
        _times = null;
        await GrainFactory.GetGrain<IScheduleIndexGrain>(client).RemoveAsync(id);
        ScheduleGrainLog.Put(logger, id, client, "deleted");
        return true;
    }

    public async Task WakeAsync()
    {
        // Activation has aimed the timer already; the heartbeat is taken again here, where reminders were lost.
        _heartbeatHeld = false;
        await SyncWakeUpsAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != Heartbeat)
        {
            return;
        }

        if (!Active)
        {
            _heartbeatHeld = true; // Held by storage though not by this activation: let it go.
            await ReleaseHeartbeatAsync();
            return;
        }

        _heartbeatHeld = true;
        await LookAsync();
    }

    /// <summary>Makes the tasks that are due, deals with what was missed, and aims the timer at the next due time.</summary>
    private async Task LookAsync()
    {
        if (!Active)
        {
            return;
        }

        Caller.Set(null); // What follows is the schedule's business, not whoever's call woke it.
        try
        {
            await SyncWakeUpsAsync();
            if (S.BufferedDue is { } buffered)
            {
                await ReleaseBufferedAsync(buffered);
            }

            var definition = S.Definition!;
            var now = clock.GetUtcNow();
            var plan = SchedulePlanner.Decide(Times, S.LastDue, now, definition.Missed, definition.MaxCatchup, options.Value.MissedAfter, JitterOf);
            if (plan.Missed > 0)
            {
                Record(new ScheduleRun(plan.Through!.Value, now, ScheduleRunOutcome.Missed, null, Missed(plan.Missed, definition.Missed)));
                ScheduleGrainLog.Missed(logger, Name.Id, Name.Client, plan.Missed, definition.Missed.ToWire());
            }

            foreach (var due in plan.Fire)
            {
                await FireAsync(due, triggered: false);
                S.LastDue = due;
                await CommitAsync(); // One due time at a time: a stop during a catch-up goes on after the last one made.
            }

            if (plan.Through is { } through && through > S.LastDue)
            {
                S.LastDue = through;
                await CommitAsync();
            }
        }
        catch (Exception exception)
        {
            // A task or the storage could not be reached: what was not stored is redone by the next look (the heartbeat),
            // and a task made already is met again by its idempotency key.
            ScheduleGrainLog.LookFailed(logger, Name.Id, Name.Client, exception);
            DeactivateOnIdle();
            return;
        }

        Aim(null);
    }

    /// <summary>Makes the buffered due time's task once the task before it has ended.</summary>
    private async Task ReleaseBufferedAsync(DateTimeOffset buffered)
    {
        if (S.LastTaskId is { } previous && await GrainFactory.GetGrain<ITaskGrain>(previous).GetAsync() is { } task && !task.Phase.IsFinal())
        {
            return;
        }

        S.BufferedDue = null;
        await FireAsync(buffered, triggered: false, buffered: true);
        await CommitAsync();
    }

    /// <summary>One due time (or a trigger): the overlap policy, the checks of what its owner may run, then the task.</summary>
    private async Task<ScheduleRun> FireAsync(DateTimeOffset due, bool triggered, bool buffered = false)
    {
        var (client, id) = Name;
        var definition = S.Definition!;
        var now = clock.GetUtcNow();
        string? detail = buffered ? "waited for the previous task to end" : null;
        if (!triggered && !buffered && definition.Overlap != OverlapPolicy.Allow && S.LastTaskId is { } previous
            && await GrainFactory.GetGrain<ITaskGrain>(previous).GetAsync() is { } running && !running.Phase.IsFinal())
        {
            switch (definition.Overlap)
            {
                case OverlapPolicy.Skip:
                    return Record(new ScheduleRun(due, now, ScheduleRunOutcome.Skipped, null, $"task {previous} had not ended (overlap skip)"));
                case OverlapPolicy.BufferOne when S.BufferedDue is null:
                    S.BufferedDue = due;
                    return Record(new ScheduleRun(due, now, ScheduleRunOutcome.Buffered, null, $"waits for task {previous} to end (overlap buffer_one)"));
                case OverlapPolicy.BufferOne:
                    return Record(new ScheduleRun(due, now, ScheduleRunOutcome.Skipped, null, $"task {previous} had not ended and a due time waits already (overlap buffer_one)"));
                default:
                    var task = GrainFactory.GetGrain<ITaskGrain>(previous);
                    await task.InterruptAsync();
                    var cancelled = await task.CancelAsync();
                    detail = cancelled.Status == TaskCommandStatus.Done ? $"cancelled task {previous} (overlap cancel_running)" : null;
                    break;
            }
        }

        var (caller, refusal) = await OwnerAsync(definition);
        if (refusal is not null)
        {
            ScheduleGrainLog.Refused(logger, id, client, due, refusal);
            return Record(new ScheduleRun(due, now, ScheduleRunOutcome.Refused, null, refusal, triggered));
        }

        var key = string.Create(CultureInfo.InvariantCulture, $"schedule:{id}:{due.UtcDateTime:O}");
        var fresh = TaskIds.New();
        var taskId = await GrainFactory.GetGrain<IIdempotencyGrain>($"{client}\n{key}").ClaimAsync(fresh);
        var submission = new TaskSubmission(definition.Type, definition.ParametersJson, client, definition.Priority,
            Retry: definition.Retry, Timeout: definition.Timeout, Callback: definition.Callback);
        try
        {
            // The key's first claim makes a short task as a submission does, without its grain; any other (a look
            // repeated after a crash, or racing) meets the task through its grain, which answers with the stored one.
            if (taskId != fresh || !await TrySubmitInstantAsync(taskId, submission))
            {
                Caller.Set(caller); // The task grain refuses what its owner may not do (shell without the role, shell off).
                await GrainFactory.GetGrain<ITaskGrain>(taskId).SubmitAsync(submission);
            }
        }
        catch (Exception exception) when (exception is SubmissionRefusedException or Shell.ShellQueueFullException)
        {
            ScheduleGrainLog.Refused(logger, id, client, due, exception.Message);
            return Record(new ScheduleRun(due, now, ScheduleRunOutcome.Refused, null, exception.Message, triggered));
        }
        finally
        {
            Caller.Set(null);
        }

        S.LastTaskId = taskId;
        ScheduleGrainLog.Fired(logger, id, client, due, taskId);
        return Record(new ScheduleRun(due, now, ScheduleRunOutcome.Created, taskId, detail, triggered));
    }

    /// <summary>True when the task was made as a short one (its type's, with nothing its grain must keep for later).</summary>
    private async Task<bool> TrySubmitInstantAsync(string taskId, TaskSubmission submission)
    {
        if (submission is not { Retry: null, Timeout: null, Callback: null })
        {
            return false;
        }

        try
        {
            return await instantTasks.TrySubmitAsync(taskId, submission) is not null;
        }
        catch (Orleans.Storage.InconsistentStateException)
        {
            return false; // Stored meanwhile by a racing look through the grain: the grain answers with it.
        }
    }

    /// <summary>Whom the task is made for (the user who put the schedule, with the roles it has now), or why it is refused.</summary>
    private async Task<(Caller? Caller, string? Refusal)> OwnerAsync(ScheduleDefinition definition)
    {
        if (!handlers.TryGet(definition.Type, out _))
        {
            return (null, $"the task type '{definition.Type}' is not known on this server any more");
        }

        var table = await GrainFactory.GetGrain<IProcessRegistryGrain>(0).GetTableAsync();
        if (table.Entries.FirstOrDefault(e => e.Type == definition.Type && e.Status == ProcessStatus.Suspended) is { } suspended)
        {
            return (null, $"the process '{suspended.Type}' is suspended{(suspended.Reason is { } reason ? $": {reason}" : "")}");
        }

        if (S.PutBy is not { } name)
        {
            return (null, null); // Put anonymously (authentication off): as an anonymous submission.
        }

        if (await GrainFactory.GetGrain<IUserGrain>(name).GetAsync() is not { } user)
        {
            return (null, $"user '{name}', who put the schedule, no longer exists");
        }

        var caller = new Caller(user.Name, user.IsAdmin, user.Roles.Contains(UserRoles.Shell));
        return caller.MayAccess(Name.Client) ? (caller, null) : (null, $"user '{name}' may no longer make tasks for client '{Name.Client}'");
    }

    /// <summary>Holds the heartbeat and the timer while active; lets both go otherwise.</summary>
    private async Task SyncWakeUpsAsync()
    {
        if (!Active)
        {
            StopTimer();
            await ReleaseHeartbeatAsync();
            return;
        }

        if (!_heartbeatHeld)
        {
            var period = tasker.Value.ReminderPeriod;
            await this.RegisterOrUpdateReminder(Heartbeat, period, period);
            _heartbeatHeld = true;
        }

        if (_timer is null)
        {
            Aim(null);
        }
    }

    private async Task ReleaseHeartbeatAsync()
    {
        if (!_heartbeatHeld)
        {
            return;
        }

        if (await this.GetReminder(Heartbeat) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _heartbeatHeld = false;
    }

    /// <summary>Aims the timer at the next due time (its jittered moment), or sooner while a buffered due time waits.</summary>
    private void Aim(TimeSpan? wait)
    {
        StopTimer();
        if (!Active)
        {
            return;
        }

        if (wait is null)
        {
            var now = clock.GetUtcNow();
            var at = Times.NextAfter(S.LastDue) is { } next ? next + JitterOf(next) : (DateTimeOffset?)null;
            if (S.BufferedDue is not null && (at is null || at > now + options.Value.OverlapPoll))
            {
                at = now + options.Value.OverlapPoll;
            }

            if (at is null)
            {
                return; // No due time is left (past end_at): the heartbeat alone remains, until the schedule changes.
            }

            wait = at.Value - now;
        }

        var due = wait.Value < TimeSpan.Zero ? TimeSpan.Zero : wait.Value > _longestWait ? _longestWait : wait.Value;
        _timer = this.RegisterGrainTimer(LookAsync, new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
    }

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private TimeSpan JitterOf(DateTimeOffset due) => SchedulePlanner.JitterOf(Key, due, S.Definition?.Jitter ?? TimeSpan.Zero);

    private ScheduleRun Record(ScheduleRun run)
    {
        S.Runs.Insert(0, run);
        if (S.Runs.Count > ScheduleState.MaxRuns)
        {
            S.Runs.RemoveRange(ScheduleState.MaxRuns, S.Runs.Count - ScheduleState.MaxRuns);
        }

        return run;
    }

    private async Task CommitAsync()
    {
        S.Version++;
        await state.WriteOrDropAsync(this);
    }

    private ScheduleSnapshot Snapshot()
    {
        var (client, id) = Name;
        return new ScheduleSnapshot(id, client, S.Definition!, S.Paused, S.CreatedAt, S.UpdatedAt, S.LastDue,
            S.Paused ? null : Times.NextAfter(S.LastDue), S.LastTaskId, S.BufferedDue, S.Version);
    }

    private static string Missed(long count, MissedPolicy policy) =>
        string.Create(CultureInfo.InvariantCulture, $"{count}{(count >= SchedulePlanner.MaxCounted ? " or more" : "")} due time(s) passed while Tasker was down or the schedule paused (missed {policy.ToWire()})");
}
