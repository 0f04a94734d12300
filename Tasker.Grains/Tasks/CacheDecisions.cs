using Tasker.Caching;

namespace Tasker.Tasks;

/// <summary>
/// What <see cref="CacheParticipation"/> decided from the cache's answer or a leader's word. The grain applies it, commits
/// it, and does what follows (a reminder, a slot, the history line).
/// </summary>
internal abstract record CacheDecision
{
    private CacheDecision()
    {
    }

    /// <summary>The task no longer follows a leader: the word changes nothing.</summary>
    public sealed record Unchanged : CacheDecision;

    /// <summary>An identical computation runs elsewhere: the task stays queued behind that leader.</summary>
    public sealed record Follow(string? LeaderId) : CacheDecision
    {
        public void ApplyTo(TaskState task) => task.LeaderId = LeaderId;
    }

    /// <summary>The task computes for all who follow it: it runs as soon as its client's slots allow.</summary>
    public sealed record Lead : CacheDecision
    {
        public void ApplyTo(TaskState task) => task.LeaderId = null;
    }

    /// <summary>A final answer (a hit, the leader's result, a failure): the task ends with it.</summary>
    public sealed record End(CacheAnswer Answer, TaskProgress? Plan, DateTimeOffset At) : CacheDecision
    {
        public void ApplyTo(TaskState task)
        {
            task.LeaderId = null;
            CacheParticipation.Apply(task, Answer, Plan, At);
        }
    }
}
