using Tasker.Api;

namespace Tasker.Client;

/// <summary>Lifecycle questions about a <see cref="TaskView"/>.</summary>
public static class TaskViewExtensions
{
    /// <summary>The task's phase, parsed from its wire status; null for a status this client does not know.</summary>
    public static TaskPhase? Phase(this TaskView task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return TaskPhases.TryParseWire(task.Status, out var phase) ? phase : null;
    }

    /// <summary>True once the task has ended (succeeded, failed or cancelled): it will not change again.</summary>
    public static bool IsFinal(this TaskView task) => task.Phase() is { } phase && phase.IsFinal();
}
