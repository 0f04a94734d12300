namespace Tasker.Silo.Embedded;

public static partial class SqliteStorageExtensions
{
    private sealed partial class UnfinishedTaskWaker
    {
        [LoggerMessage(3400, LogLevel.Information, "Embedded database: woke {Woken} unfinished tasks at start-up ({Failed} failed).")]
        private static partial void Woken(ILogger logger, int woken, int failed);

        [LoggerMessage(3401, LogLevel.Warning, "Task {TaskId} of {Client} could not be woken at start-up; it goes on at its next call")]
        private static partial void WakeFailed(ILogger logger, string taskId, string client, Exception exception);
    }
}
