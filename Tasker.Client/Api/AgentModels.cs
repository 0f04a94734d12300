namespace Tasker.Api;

/// <summary>The answer of <c>GET /tasks/pick</c>: a shell task leased to the calling agent.</summary>
/// <param name="Id">The task id.</param>
/// <param name="Command">Run through <c>/bin/sh -c</c>.</param>
/// <param name="TimeoutSeconds">Kill the command after this long and report <c>timedOut</c>.</param>
/// <param name="Lease">The fencing token: send it with every heartbeat, finish and release.</param>
/// <param name="LeaseExpiresAt">The lease runs out then unless a heartbeat renews it.</param>
/// <param name="HeartbeatSeconds">Heartbeat at least this often (a heartbeat may wait this long for a cancellation).</param>
/// <param name="Attempt">Which lease of the task this is, from 1.</param>
/// <param name="OutputCapBytes">Bytes of stdout and of stderr the server keeps; send at most this much of each and say what was dropped.</param>
public sealed record PickedTaskView(
    string Id,
    string Command,
    int TimeoutSeconds,
    string Lease,
    DateTimeOffset LeaseExpiresAt,
    double HeartbeatSeconds,
    int Attempt,
    string Client,
    int OutputCapBytes,
    AgentTaskLinks Links);

/// <summary>Where an agent reports about the task it holds.</summary>
public sealed record AgentTaskLinks(string Heartbeat, string Finish, string Release);

/// <summary>The body of <c>POST /tasks/{id}/heartbeat</c> and <c>/release</c>.</summary>
public sealed record LeaseRequest(string Lease);

/// <summary>The answer of a heartbeat: whether to go on, and until when the lease now holds.</summary>
/// <param name="Cancel">True when the task was cancelled: kill the command (its whole process tree) and report nothing.</param>
public sealed record HeartbeatView(string Id, string Status, bool Cancel, DateTimeOffset? LeaseExpiresAt);

/// <summary>The body of <c>POST /tasks/{id}/finish</c>.</summary>
/// <param name="Lease">The lease of the pick.</param>
/// <param name="ExitCode">The exit code; null when the command was killed or could not start.</param>
/// <param name="Stdout">What the command wrote on stdout (the agent keeps at most the cap, 64 KiB by default).</param>
/// <param name="Stderr">What it wrote on stderr (likewise capped).</param>
/// <param name="StdoutTruncated">True when the agent dropped stdout beyond the cap.</param>
/// <param name="StderrTruncated">True when the agent dropped stderr beyond the cap.</param>
/// <param name="TimedOut">True when the agent killed the command at its time limit.</param>
/// <param name="DurationMs">How long the command ran.</param>
/// <param name="Error">Why the command could not start, when it could not.</param>
public sealed record FinishTaskRequest(
    string Lease,
    int? ExitCode,
    string? Stdout = null,
    string? Stderr = null,
    bool StdoutTruncated = false,
    bool StderrTruncated = false,
    bool TimedOut = false,
    long DurationMs = 0,
    string? Error = null);

/// <summary>The answer of <c>POST /tasks/{id}/finish-and-pick</c>: the finished task, and the next one leased to the same agent.</summary>
/// <param name="Task">The task just finished, as <c>POST /tasks/{id}/finish</c> answers it.</param>
/// <param name="Next">The next shell task, leased to the agent as a pick would lease it; null when none is queued.</param>
public sealed record FinishedView(TaskView Task, PickedTaskView? Next);

/// <summary>An executor agent as the silo last heard of it.</summary>
public sealed record AgentView(string Name, string? CurrentTask, DateTimeOffset LastSeen);

/// <summary>The answer of <c>GET /agents</c>: the shell queue and the agents heard from.</summary>
public sealed record AgentsView(int Queued, int Leased, IReadOnlyList<AgentView> Agents);
