using Tasker.Tasks;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>The one place that applies a part's decision keeps memory and storage together (docs/adr/014).</summary>
public sealed class TaskStepsTests
{
    private readonly RecordingTaskHost _host = new();

    [Fact]
    public async Task A_step_that_fails_after_the_change_and_before_its_commit_drops_the_activation()
    {
        _host.HoldReminderFailure = new InvalidOperationException("the reminder service is away");

        await Assert.ThrowsAsync<InvalidOperationException>(() => TaskSteps.RunAsync(Steps(TaskStep.Change, TaskStep.HoldReminder, TaskStep.Commit), _host));

        Assert.Equal(["change", "drop"], _host.Calls);
    }

    [Fact]
    public async Task A_step_that_fails_before_any_change_leaves_the_activation_as_it_is()
    {
        _host.HoldReminderFailure = new InvalidOperationException("the reminder service is away");

        await Assert.ThrowsAsync<InvalidOperationException>(() => TaskSteps.RunAsync(Steps(TaskStep.HoldReminder, TaskStep.Change, TaskStep.Commit), _host));

        Assert.Empty(_host.Calls);
    }

    [Fact]
    public async Task A_step_that_fails_after_the_commit_does_not_drop_what_storage_holds()
    {
        var decision = Steps(TaskStep.Change, TaskStep.Commit, TaskStep.HoldReminder);
        _host.HoldReminderFailure = new InvalidOperationException("the reminder service is away");

        await Assert.ThrowsAsync<InvalidOperationException>(() => TaskSteps.RunAsync(decision, _host));

        Assert.Equal(["change", "commit"], _host.Calls);
    }

    private Decision Steps(params TaskStep[] steps) => new(steps, _host.Calls);

    private sealed class Decision(IReadOnlyList<TaskStep> steps, List<string> calls) : ITaskDecision
    {
        public IReadOnlyList<TaskStep> Steps => steps;

        public void ApplyTo(TaskState task) => calls.Add("change");
    }
}
