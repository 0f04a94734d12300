using Tasker.Tasks;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>Every event in every phase, shell or not, against the lifecycle rules (TaskLifecycle), without a cluster.</summary>
public sealed class TaskLifecycleTests
{
    // The legal transitions, written out here independently of the rules' code: (event, from, shell?) -> to.
    // null "shell" means either; a "to" of null means the task is gone.
    private static readonly (TaskEvent Event, TaskPhase From, bool? Shell, TaskPhase? To)[] _legal =
    [
        (TaskEvent.Pause, TaskPhase.Running, false, TaskPhase.Paused),
        (TaskEvent.Resume, TaskPhase.Paused, null, TaskPhase.Running),
        (TaskEvent.Cancel, TaskPhase.Queued, null, TaskPhase.Cancelled),
        (TaskEvent.Cancel, TaskPhase.Running, null, TaskPhase.Cancelled),
        (TaskEvent.Cancel, TaskPhase.Paused, null, TaskPhase.Cancelled),
        (TaskEvent.Cancel, TaskPhase.Scheduled, null, TaskPhase.Cancelled),
        (TaskEvent.Delete, TaskPhase.Scheduled, null, null),
        (TaskEvent.Cancel, TaskPhase.Waiting, null, TaskPhase.Cancelled),
        (TaskEvent.Delete, TaskPhase.Waiting, null, null),
        (TaskEvent.RunNow, TaskPhase.Scheduled, null, TaskPhase.Queued),
        (TaskEvent.Delete, TaskPhase.Succeeded, null, null),
        (TaskEvent.Delete, TaskPhase.Failed, null, null),
        (TaskEvent.Delete, TaskPhase.Cancelled, null, null),
        (TaskEvent.Expire, TaskPhase.Succeeded, null, null),
        (TaskEvent.Expire, TaskPhase.Failed, null, null),
        (TaskEvent.Expire, TaskPhase.Cancelled, null, null),
    ];

    public static TheoryData<TaskEvent, TaskPhase, bool> EveryEventInEveryPhase()
    {
        var data = new TheoryData<TaskEvent, TaskPhase, bool>();
        foreach (var happening in Enum.GetValues<TaskEvent>())
        {
            foreach (var phase in Enum.GetValues<TaskPhase>())
            {
                data.Add(happening, phase, false);
                data.Add(happening, phase, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryEventInEveryPhase))]
    public void An_event_is_legal_exactly_where_the_lifecycle_allows_it_and_leads_where_it_says(TaskEvent happening, TaskPhase phase, bool isShell)
    {
        var expected = _legal.Where(t => t.Event == happening && t.From == phase && (t.Shell is null || t.Shell == isShell)).ToList();

        var transition = TaskLifecycle.Decide(happening, phase, isShell);

        if (expected.Count == 1)
        {
            Assert.True(transition.Legal, $"{happening} in {phase} (shell: {isShell}) was refused: {transition.Refusal}");
            Assert.Equal(expected[0].To, transition.To);
            Assert.Null(transition.Refusal);
        }
        else
        {
            Assert.False(transition.Legal, $"{happening} in {phase} (shell: {isShell}) was allowed into {transition.To}");
            Assert.False(string.IsNullOrWhiteSpace(transition.Refusal));
            Assert.Null(transition.To);
        }
    }

    [Fact]
    public void No_event_leads_out_of_an_end_except_into_being_gone()
    {
        foreach (var phase in Enum.GetValues<TaskPhase>().Where(p => p.IsFinal()))
        {
            foreach (var happening in Enum.GetValues<TaskEvent>())
            {
                var transition = TaskLifecycle.Decide(happening, phase, isShell: false);
                Assert.True(!transition.Legal || transition.To is null, $"{happening} led {phase} into {transition.To}");
            }
        }
    }

    [Fact]
    public void A_shell_task_refuses_pause_and_says_to_cancel_instead()
    {
        var transition = TaskLifecycle.Decide(TaskEvent.Pause, TaskPhase.Running, isShell: true);

        Assert.False(transition.Legal);
        Assert.Contains("cancel it instead", transition.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_task_expires_only_once_ended_and_only_if_it_ended_before_the_cut_off()
    {
        var end = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var ended = new TaskState { Exists = true, Phase = TaskPhase.Succeeded, FinishedAt = end };

        Assert.Equal(end, TaskLifecycle.ExpiringEnd(ended, isShell: false, end.AddTicks(1)));
        Assert.Null(TaskLifecycle.ExpiringEnd(ended, isShell: false, end)); // Ended at the cut-off: not before it.
        Assert.Null(TaskLifecycle.ExpiringEnd(new TaskState { Exists = true, Phase = TaskPhase.Running }, isShell: false, DateTimeOffset.MaxValue));
        Assert.Null(TaskLifecycle.ExpiringEnd(new TaskState { Exists = true, Phase = TaskPhase.Failed }, isShell: true, DateTimeOffset.MaxValue)); // No end time.
    }

    [Fact]
    public void The_phase_a_legal_transition_puts_the_task_in_is_the_one_it_leads_to()
    {
        Assert.Equal(TaskPhase.Paused, TaskLifecycle.Decide(TaskEvent.Pause, TaskPhase.Running, isShell: false).Target);
        Assert.Equal(TaskPhase.Running, TaskLifecycle.Decide(TaskEvent.Resume, TaskPhase.Paused, isShell: false).Target);
        Assert.Equal(TaskPhase.Cancelled, TaskLifecycle.Decide(TaskEvent.Cancel, TaskPhase.Queued, isShell: true).Target);
        Assert.Equal(TaskPhase.Queued, TaskLifecycle.Decide(TaskEvent.RunNow, TaskPhase.Scheduled, isShell: false).Target);
    }

    [Fact]
    public void A_refused_transition_or_one_that_leaves_no_task_has_no_phase_to_put_the_task_in()
    {
        var refused = TaskLifecycle.Decide(TaskEvent.Pause, TaskPhase.Queued, isShell: false);
        var gone = TaskLifecycle.Decide(TaskEvent.Delete, TaskPhase.Succeeded, isShell: false);

        Assert.Contains("only a running task can be paused", Assert.Throws<InvalidOperationException>(() => refused.Target).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => gone.Target);
    }
}
