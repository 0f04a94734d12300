using Tasker.Tasks;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>The rules of <c>after</c> (Dependencies.Judge), without a cluster: when a child waits, runs, or fails, and whom it blames.</summary>
public sealed class DependenciesTests
{
    private static readonly string[] _parents = ["a", "b", "c"];

    [Fact]
    public void A_child_waits_while_any_parent_has_not_ended()
    {
        var ends = new Dictionary<string, ParentEnd> { ["a"] = new(TaskPhase.Succeeded), ["c"] = new(TaskPhase.Succeeded) };

        Assert.Equal((DependencyVerdict.Wait, null), Dependencies.Judge(_parents, ends, AfterPolicy.AllSucceeded));
        Assert.Equal((DependencyVerdict.Wait, null), Dependencies.Judge(_parents, ends, AfterPolicy.AllEnded));
    }

    [Fact]
    public void A_child_runs_once_every_parent_succeeded()
    {
        var ends = _parents.ToDictionary(p => p, _ => new ParentEnd(TaskPhase.Succeeded));

        Assert.Equal((DependencyVerdict.Run, null), Dependencies.Judge(_parents, ends, AfterPolicy.AllSucceeded));
    }

    [Theory]
    [InlineData(TaskPhase.Failed)]
    [InlineData(TaskPhase.Cancelled)]
    [InlineData(null)] // Deleted or expired.
    public void Under_all_succeeded_one_parent_that_did_not_succeed_fails_the_child_at_once_even_while_others_run(TaskPhase? end)
    {
        var ends = new Dictionary<string, ParentEnd> { ["b"] = new(end) };

        Assert.Equal((DependencyVerdict.Fail, "b"), Dependencies.Judge(_parents, ends, AfterPolicy.AllSucceeded));
        Assert.Equal((DependencyVerdict.Wait, null), Dependencies.Judge(_parents, ends, AfterPolicy.AllEnded));
    }

    [Fact]
    public void Under_all_ended_any_ends_let_the_child_run()
    {
        var ends = new Dictionary<string, ParentEnd>
        {
            ["a"] = new(TaskPhase.Failed), ["b"] = ParentEnd.Gone, ["c"] = new(TaskPhase.Cancelled),
        };

        Assert.Equal((DependencyVerdict.Run, null), Dependencies.Judge(_parents, ends, AfterPolicy.AllEnded));
    }

    [Fact]
    public void The_first_parent_in_the_order_named_is_blamed_and_the_error_names_it_and_its_end()
    {
        var ends = new Dictionary<string, ParentEnd> { ["c"] = new(TaskPhase.Failed), ["b"] = ParentEnd.Gone };

        var (verdict, blamed) = Dependencies.Judge(_parents, ends, AfterPolicy.AllSucceeded);

        Assert.Equal(DependencyVerdict.Fail, verdict);
        Assert.Equal("b", blamed);
        Assert.Equal("parent task b was deleted or expired before it succeeded", Dependencies.Why("b", ends["b"]));
        Assert.Equal("parent task c failed", Dependencies.Why("c", ends["c"]));
    }
}
