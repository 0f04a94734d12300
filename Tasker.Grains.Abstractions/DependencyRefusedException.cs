namespace Tasker;

/// <summary>
/// A task cannot wait for one of the tasks named in its <c>after</c> (<see cref="Parent"/>), for a reason the front end
/// could not see before submitting it: that task already keeps as many tasks that run after it as it may. Nothing was
/// stored. The front end answers it as a 422 naming the parent.
/// </summary>
[GenerateSerializer, Alias("tasker.DependencyRefusedException")]
public sealed class DependencyRefusedException : Exception
{
    public DependencyRefusedException()
    {
    }

    public DependencyRefusedException(string message)
        : base(message)
    {
    }

    public DependencyRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DependencyRefusedException(string parent, string message)
        : base(message) => Parent = parent;

    [Id(0)] public string? Parent { get; init; }
}
