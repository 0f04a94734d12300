using Microsoft.Extensions.Logging;

namespace Tasker.Silo.Endpoints;

internal static partial class AgentEndpointsLog
{
    [LoggerMessage(3700, LogLevel.Warning, "Shell task {TaskId} finished by agent {Agent}, but the next pick failed; the agent picks again, and a half-made lease is offered again at its deadline")]
    public static partial void NextPickFailed(ILogger logger, string taskId, string agent, Exception exception);
}
