namespace Tasker.Shell;

/// <summary>A shell task handed to an agent: what to run, for how long, and the lease that lets it report.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Command">The command, run by the agent through <c>/bin/sh -c</c>.</param>
/// <param name="TimeoutSeconds">How long the command may run before the agent kills it.</param>
/// <param name="Lease">The fencing token: heartbeats, finish and release must carry it; any other is refused.</param>
/// <param name="LeaseExpiresAt">When the lease runs out unless a heartbeat renews it.</param>
/// <param name="Attempt">Which lease of this task this is, from 1.</param>
/// <param name="Client">The client the task belongs to.</param>
[GenerateSerializer, Immutable, Alias("tasker.ShellLeaseGrant")]
public sealed record ShellLeaseGrant(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string Command,
    [property: Id(2)] int TimeoutSeconds,
    [property: Id(3)] string Lease,
    [property: Id(4)] DateTimeOffset LeaseExpiresAt,
    [property: Id(5)] int Attempt,
    [property: Id(6)] string Client);

/// <summary>A task's answer to the queue's pick: the grant, or until when another agent's lease holds, or neither.</summary>
/// <param name="Grant">The lease just granted to the agent that picked.</param>
/// <param name="HeldUntil">The task is leased already (to an agent that picked it before): when that lease runs out.</param>
[GenerateSerializer, Immutable, Alias("tasker.ShellLeaseAnswer")]
public sealed record ShellLeaseAnswer(
    [property: Id(0)] ShellLeaseGrant? Grant,
    [property: Id(1)] DateTimeOffset? HeldUntil = null);

/// <summary>What an agent reports when the command has ended.</summary>
/// <param name="ExitCode">The command's exit code; null when it was killed (time limit) or could not start.</param>
/// <param name="TimedOut">True when the agent killed the command at its time limit.</param>
/// <param name="DurationMs">How long the command ran, by the agent's clock.</param>
[GenerateSerializer, Immutable, Alias("tasker.ShellReport")]
public sealed record ShellReport(
    [property: Id(0)] int? ExitCode,
    [property: Id(1)] string Stdout,
    [property: Id(2)] string Stderr,
    [property: Id(3)] bool StdoutTruncated,
    [property: Id(4)] bool StderrTruncated,
    [property: Id(5)] bool TimedOut,
    [property: Id(6)] long DurationMs,
    [property: Id(7)] string? StartError = null);

/// <summary>The outcome of an agent's call about a leased task.</summary>
[GenerateSerializer, Alias("tasker.ShellCallStatus")]
public enum ShellCallStatus
{
    /// <summary>Done: the lease was renewed, the report stored, or the lease released.</summary>
    Done = 0,

    /// <summary>No such task.</summary>
    NotFound = 1,

    /// <summary>The lease is not the task's current one (expired and re-offered, finished, or never granted).</summary>
    StaleLease = 2,

    /// <summary>The task was cancelled while the agent held it: the agent kills the command and stops.</summary>
    Cancelled = 3,
}

/// <summary>What an agent's call did.</summary>
/// <param name="LeaseExpiresAt">After a heartbeat, when the renewed lease runs out.</param>
/// <param name="Task">The task as it now is.</param>
/// <param name="Reason">For a refusal, why.</param>
[GenerateSerializer, Immutable, Alias("tasker.ShellCallResult")]
public sealed record ShellCallResult(
    [property: Id(0)] ShellCallStatus Status,
    [property: Id(1)] DateTimeOffset? LeaseExpiresAt = null,
    [property: Id(2)] TaskSnapshot? Task = null,
    [property: Id(3)] string? Reason = null);

/// <summary>What a task decided when the queue found its lease past its deadline.</summary>
[GenerateSerializer, Alias("tasker.LeaseCheckStatus")]
public enum LeaseCheckStatus
{
    /// <summary>The task is queued again: the queue offers it to the next agent.</summary>
    Requeued = 0,

    /// <summary>A heartbeat renewed the lease: watch it until the new deadline.</summary>
    Renewed = 1,

    /// <summary>The task has ended (or was never a leased shell task): forget it.</summary>
    Gone = 2,
}

/// <summary>The answer of a task to the queue's lease check.</summary>
[GenerateSerializer, Immutable, Alias("tasker.LeaseCheck")]
public sealed record LeaseCheck(
    [property: Id(0)] LeaseCheckStatus Status,
    [property: Id(1)] DateTimeOffset? Deadline = null,
    [property: Id(2)] TaskPriority Priority = TaskPriority.Normal,
    [property: Id(3)] DateTimeOffset CreatedAt = default,
    [property: Id(4)] string Client = "");

/// <summary>An agent the queue has heard from.</summary>
/// <param name="CurrentTaskId">The task it holds now, or null when idle.</param>
[GenerateSerializer, Immutable, Alias("tasker.AgentSighting")]
public sealed record AgentSighting(
    [property: Id(0)] string Name,
    [property: Id(1)] string? CurrentTaskId,
    [property: Id(2)] DateTimeOffset LastSeen);
