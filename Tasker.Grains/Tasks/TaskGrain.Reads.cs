namespace Tasker.Tasks;

/// <summary>What readers see of the task: the snapshot last committed, at once or once it changes.</summary>
public sealed partial class TaskGrain
{
    public Task<TaskSnapshot?> GetAsync()
    {
        if (S.ParentId is not null && S.Phase.IsFinal())
        {
            // A child is made without its grain (InstantTasks) and expires with its parent in storage alone: a read
            // activates it for that read only, so that it never answers from memory once it has expired.
            DeactivateOnIdle();
        }

        return Task.FromResult(_published);
    }

    public async Task<TaskSnapshot?> WatchAsync(long afterVersion, TimeSpan timeout)
    {
        var deadline = clock.GetUtcNow() + timeout;
        while (_published is { } current && current.Version <= afterVersion && !current.Phase.IsFinal())
        {
            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            try
            {
                await _changed.Task.WaitAsync(remaining);
            }
            catch (TimeoutException)
            {
                break;
            }
        }

        return _published;
    }
}
