using Tasker.Caching;

namespace Tasker.Tasks;

/// <summary>
/// What <see cref="CacheParticipation"/> decided from the cache's answer or a leader's word, and the steps that follow it
/// (<see cref="TaskSteps"/>). On joining, the acceptance commits what it decided; a follower's settling (the leader's
/// word, the reminder) commits it itself.
/// </summary>
internal abstract record CacheDecision : ITaskDecision
{
    private CacheDecision()
    {
    }

    /// <summary>True when it settles a task stored as following; false when the task joins the cache as it is accepted.</summary>
    public bool Settles { get; init; }

    public IReadOnlyList<TaskStep> Steps => Settles ? OnSettling : OnJoining;

    protected abstract IReadOnlyList<TaskStep> OnJoining { get; }

    protected abstract IReadOnlyList<TaskStep> OnSettling { get; }

    public abstract void ApplyTo(TaskState task);

    /// <summary>The task no longer follows a leader: the word changes nothing.</summary>
    public sealed record Unchanged : CacheDecision
    {
        protected override IReadOnlyList<TaskStep> OnJoining => [];

        protected override IReadOnlyList<TaskStep> OnSettling => [];

        public override void ApplyTo(TaskState task)
        {
        }
    }

    /// <summary>An identical computation runs elsewhere: the task stays queued behind that leader.</summary>
    public sealed record Follow(string? LeaderId) : CacheDecision
    {
        // Joining, the reminder re-asks the cache if the leader's word never arrives.
        protected override IReadOnlyList<TaskStep> OnJoining => [TaskStep.Change, TaskStep.HoldReminder];

        protected override IReadOnlyList<TaskStep> OnSettling => [TaskStep.Change, TaskStep.Commit];

        public override void ApplyTo(TaskState task) => task.LeaderId = LeaderId;
    }

    /// <summary>The task computes for all who follow it: it runs as soon as its client's slots allow.</summary>
    public sealed record Lead : CacheDecision
    {
        protected override IReadOnlyList<TaskStep> OnJoining => [TaskStep.Change, TaskStep.BeginRunInSlot];

        // The reminder is held before the run is committed: a task is never stored running without its wake-up.
        protected override IReadOnlyList<TaskStep> OnSettling =>
            [TaskStep.HoldReminder, TaskStep.Change, TaskStep.BeginRunInSlot, TaskStep.Commit, TaskStep.AfterPhaseChange];

        public override void ApplyTo(TaskState task) => task.LeaderId = null;
    }

    /// <summary>A final answer (a hit, the leader's result, a failure): the task ends with it.</summary>
    public sealed record End(CacheAnswer Answer, TaskProgress? Plan, DateTimeOffset At) : CacheDecision
    {
        protected override IReadOnlyList<TaskStep> OnJoining => [TaskStep.Change];

        // The commit sends the end's notices to the task's children; AfterPhaseChange writes its history line.
        protected override IReadOnlyList<TaskStep> OnSettling =>
            [TaskStep.Change, TaskStep.Commit, TaskStep.ReleaseReminder, TaskStep.AfterPhaseChange];

        public override void ApplyTo(TaskState task)
        {
            task.LeaderId = null;
            CacheParticipation.Apply(task, Answer, Plan, At);
        }
    }
}
