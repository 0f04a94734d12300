using Microsoft.Extensions.Logging;

namespace Tasker.Shell;

internal static partial class ShellLog
{
    [LoggerMessage(2000, LogLevel.Information, "Shell task {TaskId} of {Client} leased to agent {Agent} (attempt {Attempt})")]
    public static partial void Leased(ILogger logger, string taskId, string client, string agent, int attempt);

    [LoggerMessage(2001, LogLevel.Information, "Shell task {TaskId} of {Client} finished by agent {Agent}: exit code {ExitCode}, timed out {TimedOut}")]
    public static partial void Finished(ILogger logger, string taskId, string client, string agent, int? exitCode, bool timedOut);

    [LoggerMessage(2002, LogLevel.Warning, "Shell task {TaskId} of {Client}: the lease of agent {Agent} expired (attempt {Attempt} of {MaxAttempts}); {Outcome}")]
    public static partial void LeaseExpired(ILogger logger, string taskId, string client, string agent, int attempt, int maxAttempts, string outcome);

    [LoggerMessage(2003, LogLevel.Information, "Shell task {TaskId} of {Client} released by agent {Agent}; queued again")]
    public static partial void Released(ILogger logger, string taskId, string client, string agent);

    [LoggerMessage(2004, LogLevel.Warning, "Shell task {TaskId}: agent call refused, {Reason}")]
    public static partial void Refused(ILogger logger, string taskId, string reason);

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
