using Tasker.Handlers;
using Tasker.Shell;

namespace Tasker.Tasks;

/// <summary>
/// The agents' side of a shell task (docs/adr/013): <see cref="ShellLeaseProtocol"/> decides each call, and here the
/// decision is applied to the task's durable state, committed once, and followed by the queue, the history line and the log.
/// </summary>
public sealed partial class TaskGrain : IShellTaskGrain
{
    private bool RunsOnAgent => S.Exists && handlers.TryGet(S.Type, out var handler) && handler is IAgentTaskHandler;

    private (string Command, int TimeoutSeconds) Command() => ((IAgentTaskHandler)handlers.Get(S.Type)).ReadCommand(S.ParametersJson);

    /// <summary>
    /// Why this grain refuses to take an agent task, or null: the front end's seam refuses these first (docs/adr/028),
    /// so this answers only a way in that skipped it. Shell tasks are off unless enabled; a signed-in caller needs the role.
    /// </summary>
    private string? RefuseAgentTask(TaskSubmission submission) =>
        !Shell.Enabled ? $"{submission.Type} tasks are off on this server (Tasker:Shell:Enabled is false)"
        : Caller.Current is { MayRunCommands: false } caller ? $"user '{caller.Name}' may not submit {submission.Type} tasks (the '{UserRoles.Shell}' role is needed)"
        : null;

    private ShellOptions Shell => shellOptions.Value;

    private IShellQueueGrain ShellQueue() => GrainFactory.GetGrain<IShellQueueGrain>(0);

    /// <summary>
    /// Puts a just accepted shell task in the queue, before the task's own first write: a stored shell task always
    /// has its place in the queue. Should that write then fail, the queue holds an id that it finds gone and drops.
    /// </summary>
    private async Task EnqueueShellAsync()
    {
        if (!await ShellQueue().EnqueueAsync(Id, S.Priority, S.CreatedAt, S.Client))
        {
            throw new ShellQueueFullException(
                $"The shell queue is full ({Shell.MaxQueued} tasks queued or running, Tasker:Shell:MaxQueued); retry later.");
        }
    }

    public async Task<ShellLeaseAnswer> LeaseAsync(string agent)
    {
        switch (Leases.Lease(S, RunsOnAgent, agent, clock.GetUtcNow()))
        {
            case LeaseDecision.Held held:
                return new ShellLeaseAnswer(null, held.Until); // Picked before the queue last stored itself: watch that lease.
            case LeaseDecision.Leased leased:
                leased.ApplyTo(S);
                await CommitAsync();
                await AfterPhaseChangeAsync();
                TaskShellLog.Leased(logger, Id, S.Client, agent, S.Attempts);
                var (command, timeout) = Command();
                return new ShellLeaseAnswer(new ShellLeaseGrant(Id, command, timeout, leased.Lease.Token, leased.Lease.ExpiresAt, S.Attempts, S.Client));
            default:
                return new ShellLeaseAnswer(null); // Switched off since it was queued: it waits, and no agent is handed its command.
        }
    }

    public async Task<ShellCallResult> HeartbeatAsync(string lease)
    {
        var decision = Leases.Heartbeat(S, RunsOnAgent, lease, clock.GetUtcNow());
        if (decision is not ShellCallDecision.Renewed renewed)
        {
            return Answer(decision);
        }

        renewed.ApplyTo(S);
        await CommitAsync();
        return new ShellCallResult(ShellCallStatus.Done, renewed.ExpiresAt, _published);
    }

    public async Task<ShellCallResult> FinishAsync(string lease, ShellReport report)
    {
        var timeoutSeconds = RunsOnAgent ? Command().TimeoutSeconds : 0;
        var decision = Leases.Finish(S, RunsOnAgent, lease, report, timeoutSeconds, clock.GetUtcNow());
        if (decision is not ShellCallDecision.Ended ended)
        {
            return Answer(decision);
        }

        ended.ApplyTo(S);
        await RetryIfAllowedAsync();
        await CommitAsync();
        await ShellQueue().ForgetAsync(Id);
        await AfterPhaseChangeAsync();
        TaskShellLog.Finished(logger, Id, S.Client, ended.Agent, report.ExitCode, report.TimedOut);
        return new ShellCallResult(ShellCallStatus.Done, Task: _published);
    }

    public async Task<ShellCallResult> ReleaseAsync(string lease)
    {
        var decision = Leases.Release(S, RunsOnAgent, lease);
        if (decision is not ShellCallDecision.Released released)
        {
            return Answer(decision);
        }

        released.ApplyTo(S);
        await CommitAsync();
        await AfterPhaseChangeAsync();
        TaskShellLog.Released(logger, Id, S.Client, released.Agent);
        // One-way, so that this task never waits on the queue while the queue may be asking it about its lease.
        // Should the message be lost, the queue still watches the old lease's deadline and finds the task queued then.
        await ShellQueue().ReturnAsync(Id, S.Priority, S.CreatedAt, S.Client);
        return new ShellCallResult(ShellCallStatus.Done, Task: _published);
    }

    public async Task<LeaseCheck> CheckLeaseAsync()
    {
        switch (Leases.CheckExpiry(S, RunsOnAgent, clock.GetUtcNow()))
        {
            case LeaseExpiryDecision.Renewed renewed:
                return new LeaseCheck(LeaseCheckStatus.Renewed, renewed.Deadline);
            case LeaseExpiryDecision.Failed failed:
                failed.ApplyTo(S);
                await CommitAsync();
                await AfterPhaseChangeAsync();
                TaskShellLog.LeaseExpired(logger, Id, S.Client, failed.Agent, S.Attempts, Shell.MaxAttempts, "the task failed");
                return new LeaseCheck(LeaseCheckStatus.Gone);
            case LeaseExpiryDecision.Requeued requeued:
                requeued.ApplyTo(S);
                await CommitAsync();
                await AfterPhaseChangeAsync();
                TaskShellLog.LeaseExpired(logger, Id, S.Client, requeued.Agent, S.Attempts, Shell.MaxAttempts, "queued again");
                return Requeued();
            case LeaseExpiryDecision.StillQueued:
                return Requeued(); // The pick that took it from the queue never reached this task (or its write failed): offer it again.
            default:
                return new LeaseCheck(LeaseCheckStatus.Gone);
        }
    }

    private LeaseCheck Requeued() => new(LeaseCheckStatus.Requeued, Priority: S.Priority, CreatedAt: S.CreatedAt, Client: S.Client);

    /// <summary>The answer to an agent's call that changed nothing: no such task, cancelled, or refused.</summary>
    private ShellCallResult Answer(ShellCallDecision decision)
    {
        switch (decision)
        {
            case ShellCallDecision.Cancelled cancelled:
                return new ShellCallResult(ShellCallStatus.Cancelled, Task: _published, Reason: cancelled.Reason);
            case ShellCallDecision.Refused refused:
                TaskShellLog.Refused(logger, Id, refused.Reason);
                return new ShellCallResult(ShellCallStatus.StaleLease, Task: _published, Reason: refused.Reason);
            default:
                return new ShellCallResult(ShellCallStatus.NotFound);
        }
    }
}
