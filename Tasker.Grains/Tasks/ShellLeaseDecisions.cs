namespace Tasker.Tasks;

/// <summary>What <see cref="ShellLeaseProtocol.Lease"/> decided about an agent's pick of a task.</summary>
internal abstract record LeaseDecision
{
    private LeaseDecision()
    {
    }

    /// <summary>Leased already, to an agent that picked it before the queue last stored itself: the queue watches that lease.</summary>
    public sealed record Held(DateTimeOffset Until) : LeaseDecision;

    /// <summary>Not a queued shell task, or shell tasks were switched off since it was queued: no agent is handed its command.</summary>
    public sealed record NotOffered : LeaseDecision;

    /// <summary>Leased to the agent: the task runs under a new epoch, as a new attempt, with this lease.</summary>
    public sealed record Leased(ShellLeaseState Lease, long Epoch, DateTimeOffset At) : LeaseDecision
    {
        public void ApplyTo(TaskState task)
        {
            task.Phase = TaskPhase.Running;
            task.StartedAt ??= At;
            task.Epoch = Epoch;
            task.Attempts++;
            task.Lease = Lease;
        }
    }
}

/// <summary>What the protocol decided about an agent's heartbeat, finish or release.</summary>
internal abstract record ShellCallDecision
{
    private ShellCallDecision()
    {
    }

    public sealed record NotFound : ShellCallDecision;

    /// <summary>The task was cancelled while the agent held it: the agent kills the command.</summary>
    public sealed record Cancelled(string Reason) : ShellCallDecision;

    /// <summary>The lease is not the running task's current one (or the task is no shell task): nothing changes.</summary>
    public sealed record Refused(string Reason) : ShellCallDecision;

    /// <summary>A heartbeat of the current lease: it now runs out later.</summary>
    public sealed record Renewed(DateTimeOffset ExpiresAt) : ShellCallDecision
    {
        public void ApplyTo(TaskState task) => task.Lease!.ExpiresAt = ExpiresAt;
    }

    /// <summary>The current lease's report: the task ends so, with the report (its outputs capped) as its result.</summary>
    public sealed record Ended(string Agent, TaskPhase Phase, string? Error, string ResultJson, DateTimeOffset At) : ShellCallDecision
    {
        public void ApplyTo(TaskState task)
        {
            task.ResultJson = ResultJson;
            task.Finish(At, Phase, Error);
        }
    }

    /// <summary>The current lease given back: the task is queued again, and the attempt is not counted.</summary>
    public sealed record Released(string Agent) : ShellCallDecision
    {
        public void ApplyTo(TaskState task)
        {
            ShellLeaseProtocol.BackToQueue(task);
            task.Attempts--;
            if (task.Attempts == 0)
            {
                task.StartedAt = null; // Its command never ran (docs/adr/039): it starts when an agent next takes it.
            }
        }
    }
}

/// <summary>What the protocol decided when the queue found a task's lease past its deadline.</summary>
internal abstract record LeaseExpiryDecision
{
    private LeaseExpiryDecision()
    {
    }

    /// <summary>Ended, or never a leased shell task: the queue forgets it.</summary>
    public sealed record Gone : LeaseExpiryDecision;

    /// <summary>Queued already (the pick never reached the task, or its write failed): the queue offers it again.</summary>
    public sealed record StillQueued : LeaseExpiryDecision;

    /// <summary>A heartbeat renewed the lease meanwhile: the queue watches it until then.</summary>
    public sealed record Renewed(DateTimeOffset Deadline) : LeaseExpiryDecision;

    /// <summary>The lease expired and it was the last one allowed: the task fails with the reason.</summary>
    public sealed record Failed(string Agent, string Error, DateTimeOffset At) : LeaseExpiryDecision
    {
        public void ApplyTo(TaskState task) => task.Finish(At, TaskPhase.Failed, Error);
    }

    /// <summary>The lease expired: the task is queued again under a new epoch, so the old lease is stale.</summary>
    public sealed record Requeued(string Agent) : LeaseExpiryDecision
    {
        public void ApplyTo(TaskState task) => ShellLeaseProtocol.BackToQueue(task);
    }
}
