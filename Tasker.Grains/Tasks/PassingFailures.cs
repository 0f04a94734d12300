namespace Tasker.Tasks;

/// <summary>The failures of a chunk that defer it rather than fail the task: <see cref="Storage.Outages"/>.</summary>
public static class PassingFailures
{
    public static bool Is(Exception exception) => Storage.Outages.IsOutage(exception);
}
