namespace Tasker.Tasks;

/// <summary>
/// Per-user isolation at the grain boundary (docs/adr/015): a call made for a signed-in caller (<see cref="Caller.Current"/>)
/// that is not an admin and not the task's client finds no task, exactly as for an id that does not exist, so ids
/// leak nothing. Default deny: a method added to <see cref="ITaskGrain"/> is refused to other users until it is listed here.
/// </summary>
public sealed partial class TaskGrain : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod.DeclaringType != typeof(ITaskGrain))
        {
            return context.Invoke(); // Reminders and the grain's own extensions.
        }

        var method = context.InterfaceMethod.Name;
        if (method is nameof(ITaskGrain.LeaderEndedAsync) or nameof(ITaskGrain.SlotGrantedAsync) or nameof(ITaskGrain.DueAsync))
        {
            // The result cache, the slots grain or a due shard calls here on behalf of whoever ended another task or
            // nobody at all; what follows is this task's own business.
            Caller.Set(null);
            return context.Invoke();
        }

        if (Caller.Current is not { } caller || !S.Exists || caller.MayAccess(S.Client))
        {
            return context.Invoke();
        }

        switch (method)
        {
            case nameof(ITaskGrain.GetAsync) or nameof(ITaskGrain.WatchAsync):
                context.Result = null;
                return Task.CompletedTask;
            case nameof(ITaskGrain.PauseAsync) or nameof(ITaskGrain.ResumeAsync) or nameof(ITaskGrain.CancelAsync) or nameof(ITaskGrain.DeleteAsync)
                or nameof(ITaskGrain.RunNowAsync):
                context.Result = new TaskCommandResult(TaskCommandStatus.NotFound, null);
                return Task.CompletedTask;
            case nameof(ITaskGrain.InterruptAsync):
                context.Result = null; // Another user's task goes on undisturbed (a result must be set to end the chain).
                return Task.CompletedTask;
            default:
                throw new UnauthorizedAccessException($"{method} of task {Id} is not open to user '{caller.Name}'.");
        }
    }
}
