namespace Tasker;

/// <summary>Names shared by the grains and the hosts that configure them.</summary>
public static class TaskerStorage
{
    /// <summary>The grain storage provider every Tasker grain keeps its state in.</summary>
    public const string Name = "tasks";
}
