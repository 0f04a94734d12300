namespace Tasker;

/// <summary>The queue a task asks for; tiers (later) decide how it is honoured.</summary>
[GenerateSerializer, Alias("tasker.TaskPriority")]
public enum TaskPriority
{
    Normal = 0,
    High = 1,
    Low = 2,
}
