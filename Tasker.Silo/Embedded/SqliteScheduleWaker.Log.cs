namespace Tasker.Silo.Embedded;

public sealed partial class SqliteScheduleWaker
{
    [LoggerMessage(3460, LogLevel.Information, "Embedded database: woke {Woken} schedules at start-up ({Failed} failed).")]
    private static partial void Woken(ILogger logger, int woken, int failed);

    [LoggerMessage(3461, LogLevel.Warning, "Schedule {ScheduleKey} could not be woken at start-up; it wakes at its next call")]
    private static partial void WakeFailed(ILogger logger, string scheduleKey, Exception exception);
}
