namespace Tasker.Shell;

/// <summary>
/// The agents' side of a shell task: lease, heartbeat, finish, release. Implemented by the task grain itself, so the
/// lease and its fencing token live in the task's durable state. Keyed by the task id.
/// </summary>
[Alias("tasker.IShellTaskGrain")]
public interface IShellTaskGrain : IGrainWithStringKey
{
    /// <summary>
    /// Leases a queued shell task to <paramref name="agent"/>. When it is leased already (the queue's stored view was
    /// behind: the queue does not store a pick), the answer says until when, so the queue watches that lease; when it
    /// is neither (ended, cancelled, waiting for its time), the answer is empty and the queue forgets it.
    /// </summary>
    [Alias("LeaseOrHeld")]
    Task<ShellLeaseAnswer> LeaseAsync(string agent);

    /// <summary>Renews the lease; says Cancelled when the task was cancelled meanwhile.</summary>
    [Alias("Heartbeat")]
    Task<ShellCallResult> HeartbeatAsync(string lease);

    /// <summary>Stores the report and ends the task, once: only the current lease may.</summary>
    [Alias("Finish")]
    Task<ShellCallResult> FinishAsync(string lease, ShellReport report);

    /// <summary>Gives the task back to the queue at once (the agent is stopping); the attempt is not counted.</summary>
    [Alias("Release")]
    Task<ShellCallResult> ReleaseAsync(string lease);

    /// <summary>Called by the queue when this task's lease deadline has passed: re-queue, fail, or report the renewal.</summary>
    [Alias("CheckLease")]
    Task<LeaseCheck> CheckLeaseAsync();
}
