using Microsoft.Extensions.Logging;

namespace Tasker.Silo.FrontEnd.Agents;

internal static partial class AgentEndpointsLog
{
    [LoggerMessage(3010, LogLevel.Warning, "Shell task {TaskId} finished by agent {Agent}, but the next pick failed; the agent picks again, and a half-made lease is offered again at its deadline")]
    public static partial void NextPickFailed(ILogger logger, string taskId, string agent, Exception exception);
}
