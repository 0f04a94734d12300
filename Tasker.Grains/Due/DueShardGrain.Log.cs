using Microsoft.Extensions.Logging;

namespace Tasker.Due;

internal static partial class DueShardLog
{
    [LoggerMessage(2500, LogLevel.Warning, "Due shard {Shard} could not read its entries; it tries again shortly")]
    public static partial void ReadFailed(ILogger logger, int shard, Exception exception);

    [LoggerMessage(2501, LogLevel.Warning, "Task {TaskId} could not be started at its due time by shard {Shard}; it is tried again shortly")]
    public static partial void StartFailed(ILogger logger, string taskId, int shard, Exception exception);

    [LoggerMessage(2502, LogLevel.Warning, "The due shards could not be woken at start-up; their reminders wake them within a period")]
    public static partial void PingFailed(ILogger logger, Exception exception);
}
