using Microsoft.Extensions.Logging;

namespace Tasker.Shell;

internal static partial class ShellQueueGrainLog
{
    [LoggerMessage(2010, LogLevel.Warning, "Shell queue: task {TaskId} could not be leased now; its lease deadline brings it back")]
    public static partial void PickFailed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(2011, LogLevel.Warning, "Shell queue: the lease of task {TaskId} could not be checked; tried again later")]
    public static partial void CheckFailed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(2012, LogLevel.Warning, "Shell queue: {Reason}")]
    public static partial void Alarm(ILogger logger, string reason);

    [LoggerMessage(2013, LogLevel.Warning, "Shell queue: could not update the shell process status")]
    public static partial void AlarmFailed(ILogger logger, Exception exception);

    [LoggerMessage(2014, LogLevel.Warning, "Shell queue: its state could not be stored; the activation is dropped and the next one reads the stored queue")]
    public static partial void WriteFailed(ILogger logger, Exception exception);
}
