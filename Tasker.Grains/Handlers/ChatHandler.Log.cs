using Microsoft.Extensions.Logging;

namespace Tasker.Handlers;

internal static partial class ChatHandlerLog
{
    [LoggerMessage(1100, LogLevel.Warning, "Task {TaskId} of {Client}: the chat call failed: {Reason}")]
    public static partial void CallFailed(ILogger logger, string taskId, string client, string reason);
}
