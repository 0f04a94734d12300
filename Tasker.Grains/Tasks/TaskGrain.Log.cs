using Microsoft.Extensions.Logging;

namespace Tasker.Tasks;

internal static partial class TaskGrainLog
{
    [LoggerMessage(1000, LogLevel.Debug, "Task {TaskId} of {Client} accepted: {Type}, {Phase}")]
    public static partial void Accepted(ILogger logger, string taskId, string client, string type, string phase);

    [LoggerMessage(1001, LogLevel.Information, "Task {TaskId} of {Client} ended {Phase}")]
    public static partial void Ended(ILogger logger, string taskId, string client, string phase);

    [LoggerMessage(1002, LogLevel.Warning, "Task {TaskId} of {Client} failed: {Error}")]
    public static partial void Failed(ILogger logger, string taskId, string client, string error, Exception? exception);

    [LoggerMessage(1003, LogLevel.Information, "Task {TaskId} of {Client} goes on from checkpoint {Position} after reactivation")]
    public static partial void Resumed(ILogger logger, string taskId, string client, long position);

    [LoggerMessage(1004, LogLevel.Warning, "Task {TaskId} of {Client}: could not update the client's history")]
    public static partial void HistoryFailed(ILogger logger, string taskId, string client, Exception exception);

    [LoggerMessage(1006, LogLevel.Warning, "Task {TaskId} of {Client}: a checkpoint could not be stored; the activation is dropped and the task goes on from its last stored checkpoint")]
    public static partial void CommitFailed(ILogger logger, string taskId, string client, Exception exception);

    [LoggerMessage(1005, LogLevel.Information, "Task {TaskId} of {Client} {Command}")]
    public static partial void Command(ILogger logger, string taskId, string client, string command);

    [LoggerMessage(1007, LogLevel.Warning, "Task {TaskId} of {Client}: a chunk met a passing failure ({Reason}); it is tried again when the task's reminder fires")]
    public static partial void ChunkDeferred(ILogger logger, string taskId, string client, string reason);

    [LoggerMessage(1012, LogLevel.Information, "Task {TaskId} of {Client}: its chunk in flight was abandoned for a pause or cancel; its checkpoint stands")]
    public static partial void ChunkInterrupted(ILogger logger, string taskId, string client);

    [LoggerMessage(1008, LogLevel.Debug, "Task {TaskId} of {Client} expired ({Phase}): its retention has passed")]
    public static partial void Expired(ILogger logger, string taskId, string client, string phase);
}

/// <summary>What is logged and counted when a task is accepted or ends, wherever that happens.</summary>
internal static class TaskEvents
{
    public static void Accepted(ILogger logger, string id, TaskState task)
    {
        TaskGrainLog.Accepted(logger, id, task.Client, task.Type, task.Phase.ToWire());
        if (task.ParentId is null)
        {
            TaskMetrics.Accepted(task.Type);
        }

        Ended(logger, id, task);
    }

    /// <summary>Logs and counts the end of a task listed in its client's history; does nothing while it has not ended.</summary>
    public static void Ended(ILogger logger, string id, TaskState task)
    {
        if (task.ParentId is null && task.Phase.IsFinal())
        {
            TaskGrainLog.Ended(logger, id, task.Client, task.Phase.ToWire());
            TaskMetrics.Completed(task.Type, task.Phase, (task.FinishedAt ?? DateTimeOffset.UtcNow) - task.CreatedAt);
        }
    }
}

internal static partial class TaskDueLog
{
    [LoggerMessage(1060, LogLevel.Information, "Task {TaskId} of {Client}, due at {DueAt}, started: {Status}")]
    public static partial void Started(ILogger logger, string taskId, string client, DateTimeOffset dueAt, string status);

    [LoggerMessage(1061, LogLevel.Warning, "Task {TaskId} of {Client}: its due shard was not told of it; the shard's heartbeat finds it")]
    public static partial void ExpectFailed(ILogger logger, string taskId, string client, Exception exception);

    [LoggerMessage(1062, LogLevel.Warning, "Task {TaskId}: its due entry could not be removed; it finds nothing to start at its time")]
    public static partial void ForgetFailed(ILogger logger, string taskId, Exception exception);
}

internal static partial class TaskAttemptLog
{
    [LoggerMessage(1070, LogLevel.Information, "Task {TaskId} of {Client}: attempt {Attempt} of {MaxAttempts} failed ({Error}); the next is due at {NextAt}")]
    public static partial void Retrying(ILogger logger, string taskId, string client, int attempt, int maxAttempts, string error, DateTimeOffset nextAt);

    [LoggerMessage(1071, LogLevel.Information, "Task {TaskId} of {Client}: the attempt ran past its timeout of {Timeout} and was stopped (retried: {Retrying})")]
    public static partial void TimedOut(ILogger logger, string taskId, string client, TimeSpan timeout, bool retrying);
}

internal static partial class TaskSlotsLog
{
    [LoggerMessage(1050, LogLevel.Warning, "Task {TaskId} of {Client}: could not give its running slot back; the slots grain drops it when it next checks")]
    public static partial void ReleaseFailed(ILogger logger, string taskId, string client, Exception exception);
}

internal static partial class TaskFlowLog
{
    [LoggerMessage(1080, LogLevel.Information, "Task {TaskId} of {Client}: its parents have decided (last {ParentId}): {Status}")]
    public static partial void ParentsDecided(ILogger logger, string taskId, string client, string parentId, string status);

    [LoggerMessage(1081, LogLevel.Warning, "Task {TaskId} of {Client}: its end did not reach every task after it or its webhook; its due entry at {DueAt} sends it again")]
    public static partial void NoticesFailed(ILogger logger, string taskId, string client, DateTimeOffset? dueAt, Exception exception);
}

internal static partial class TaskShellLog
{
    [LoggerMessage(1090, LogLevel.Debug, "Shell task {TaskId} of {Client} leased to agent {Agent} (attempt {Attempt})")]
    public static partial void Leased(ILogger logger, string taskId, string client, string agent, int attempt);

    [LoggerMessage(1091, LogLevel.Debug, "Shell task {TaskId} of {Client} finished by agent {Agent}: exit code {ExitCode}, timed out {TimedOut}")]
    public static partial void Finished(ILogger logger, string taskId, string client, string agent, int? exitCode, bool timedOut);

    [LoggerMessage(1092, LogLevel.Warning, "Shell task {TaskId} of {Client}: the lease of agent {Agent} expired (attempt {Attempt} of {MaxAttempts}); {Outcome}")]
    public static partial void LeaseExpired(ILogger logger, string taskId, string client, string agent, int attempt, int maxAttempts, string outcome);

    [LoggerMessage(1093, LogLevel.Information, "Shell task {TaskId} of {Client} released by agent {Agent}; queued again")]
    public static partial void Released(ILogger logger, string taskId, string client, string agent);

    [LoggerMessage(1094, LogLevel.Warning, "Shell task {TaskId}: agent call refused, {Reason}")]
    public static partial void Refused(ILogger logger, string taskId, string reason);
}
