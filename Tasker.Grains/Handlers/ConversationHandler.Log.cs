using Microsoft.Extensions.Logging;

namespace Tasker.Handlers;

internal static partial class ConversationHandlerLog
{
    [LoggerMessage(1110, LogLevel.Warning, "Task {TaskId} of {Client}: the chat call failed: {Reason}")]
    public static partial void CallFailed(ILogger logger, string taskId, string client, string reason);

    [LoggerMessage(1111, LogLevel.Debug, "Task {TaskId} of {Client}: conversation turn {Turn} of {Turns} done")]
    public static partial void TurnDone(ILogger logger, string taskId, string client, long turn, long turns);
}
