namespace Tasker.Tasks;

/// <summary>What a waiting task does once it knows some or all of its parents' ends.</summary>
public enum DependencyVerdict
{
    Wait,
    Run,
    Fail,
}

/// <summary>The rules of <c>after</c> as a pure function (README "Flows"), tested without a cluster.</summary>
public static class Dependencies
{
    /// <summary>
    /// Under <see cref="AfterPolicy.AllSucceeded"/> the first parent (in the order named) that ended otherwise fails the task at
    /// once, whether or not the others have ended; under <see cref="AfterPolicy.AllEnded"/> any end counts. Otherwise the
    /// task runs when every parent has ended, and waits until then.
    /// </summary>
    public static (DependencyVerdict Verdict, string? Blamed) Judge(IReadOnlyList<string> after, IReadOnlyDictionary<string, ParentEnd> ends, AfterPolicy policy)
    {
        var waiting = false;
        foreach (var parent in after)
        {
            if (!ends.TryGetValue(parent, out var end))
            {
                waiting = true;
            }
            else if (policy == AfterPolicy.AllSucceeded && end.Phase != TaskPhase.Succeeded)
            {
                return (DependencyVerdict.Fail, parent);
            }
        }

        return (waiting ? DependencyVerdict.Wait : DependencyVerdict.Run, null);
    }

    /// <summary>The error of a task that ended <c>dependency-failed</c>, naming the parent.</summary>
    public static string Why(string parent, ParentEnd end) => end.Phase switch
    {
        null => $"parent task {parent} was deleted or expired before it succeeded",
        { } phase => $"parent task {parent} {phase.ToWire()}",
    };
}
