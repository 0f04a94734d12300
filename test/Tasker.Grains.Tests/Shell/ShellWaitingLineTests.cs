using Tasker.Shell;

namespace Tasker.Grains.Tests.Shell;

/// <summary>The order agents get shell tasks in: priority, then fairly between clients, then age.</summary>
public sealed class ShellWaitingLineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ShellQueueEntry Entry(string id, string client, int second, TaskPriority priority = TaskPriority.Normal) =>
        new(id, priority, T0.AddSeconds(second), T0, client);

    private static List<string> Drain(ShellWaitingLine line)
    {
        var order = new List<string>();
        while (line.Take() is { } next)
        {
            order.Add(next.TaskId);
        }

        return order;
    }

    [Fact]
    public void A_client_with_a_thousand_waiting_tasks_does_not_hold_back_another_clients_later_task()
    {
        var line = new ShellWaitingLine();
        for (var i = 0; i < 1_000; i++)
        {
            line.Add(Entry($"flood-{i:D4}", "flooder", i));
        }

        line.Add(Entry("late", "other", 5_000));

        Assert.Equal("flood-0000", line.Take()!.TaskId);
        Assert.Equal("late", line.Take()!.TaskId);
        Assert.Equal("flood-0001", line.Take()!.TaskId);
    }

    [Fact]
    public void Clients_take_turns_within_a_priority_and_each_clients_tasks_go_oldest_first()
    {
        var line = new ShellWaitingLine();
        line.Add(Entry("a1", "a", 1));
        line.Add(Entry("a2", "a", 2));
        line.Add(Entry("a3", "a", 3));
        line.Add(Entry("b1", "b", 10));
        line.Add(Entry("b2", "b", 11));

        Assert.Equal(["a1", "b1", "a2", "b2", "a3"], Drain(line));
    }

    [Fact]
    public void A_higher_priority_goes_first_whoever_was_served_last()
    {
        var line = new ShellWaitingLine();
        line.Add(Entry("a-normal", "a", 1));
        line.Add(Entry("b-low", "b", 0, TaskPriority.Low));
        line.Add(Entry("a-high", "a", 5, TaskPriority.High));
        line.Add(Entry("a-high-2", "a", 6, TaskPriority.High));

        Assert.Equal(["a-high", "a-high-2", "a-normal", "b-low"], Drain(line));
    }

    [Fact]
    public void A_removed_task_is_never_taken_and_adding_twice_keeps_one()
    {
        var line = new ShellWaitingLine();
        Assert.True(line.Add(Entry("x", "a", 1)));
        Assert.False(line.Add(Entry("x", "a", 1)));
        line.Add(Entry("y", "a", 2));
        Assert.True(line.Remove("x"));
        Assert.False(line.Remove("x"));

        Assert.Equal(["y"], Drain(line));
        Assert.Equal(0, line.Count);
    }

    [Fact]
    public void Entries_stored_without_a_client_still_come_out_in_priority_and_age_order()
    {
        var line = new ShellWaitingLine();
        line.Add(new ShellQueueEntry("old-2", TaskPriority.Normal, T0.AddSeconds(2), T0));
        line.Add(new ShellQueueEntry("old-1", TaskPriority.Normal, T0.AddSeconds(1), T0));

        Assert.Equal(["old-1", "old-2"], Drain(line));
    }
}
