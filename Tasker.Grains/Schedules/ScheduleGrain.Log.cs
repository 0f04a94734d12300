using Microsoft.Extensions.Logging;

namespace Tasker.Schedules;

internal static partial class ScheduleGrainLog
{
    [LoggerMessage(2600, LogLevel.Information, "Schedule {ScheduleId} of {Client} {Change}")]
    public static partial void Put(ILogger logger, string scheduleId, string client, string change);

    [LoggerMessage(2601, LogLevel.Debug, "Schedule {ScheduleId} of {Client}: due {Due:O}, task {TaskId}")]
    public static partial void Fired(ILogger logger, string scheduleId, string client, DateTimeOffset due, string taskId);

    [LoggerMessage(2602, LogLevel.Warning, "Schedule {ScheduleId} of {Client}: due {Due:O} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string scheduleId, string client, DateTimeOffset due, string reason);

    [LoggerMessage(2603, LogLevel.Information, "Schedule {ScheduleId} of {Client}: {Count} due times missed, missed policy {Policy}")]
    public static partial void Missed(ILogger logger, string scheduleId, string client, long count, string policy);

    [LoggerMessage(2604, LogLevel.Warning, "Schedule {ScheduleId} of {Client}: a look failed; the activation is dropped and its heartbeat looks again")]
    public static partial void LookFailed(ILogger logger, string scheduleId, string client, Exception exception);
}
