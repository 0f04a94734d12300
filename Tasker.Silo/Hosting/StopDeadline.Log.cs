namespace Tasker.Silo.Hosting;

public sealed partial class StopDeadline
{
    [LoggerMessage(3210, LogLevel.Critical,
        "Stop forced {Seconds} s after the stop signal, while {Stage}: left as after kill -9 (running tasks are at their last checkpoint; their reminders and the storage fence hand them on)")]
    private static partial void Forced(ILogger logger, double seconds, string stage);
}
