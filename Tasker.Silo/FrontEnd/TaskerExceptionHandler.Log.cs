namespace Tasker.Silo.FrontEnd;

public sealed partial class TaskerExceptionHandler
{
    [LoggerMessage(3000, LogLevel.Error, "Request {Method} {Path} failed")]
    private static partial void Unhandled(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(3001, LogLevel.Warning, "Request {Method} {Path} answered 503: {ExceptionType}: {Reason}")]
    private static partial void Unavailable(ILogger logger, string method, string path, string exceptionType, string reason);
}
