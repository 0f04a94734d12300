namespace Tasker;

/// <summary>The queue a task asks for; a tier caps the highest its users may ask (<c>MaxPriority</c>).</summary>
[GenerateSerializer, Alias("tasker.TaskPriority")]
public enum TaskPriority
{
    Normal = 0,
    High = 1,
    Low = 2,
}
