namespace Tasker.Silo.Auth;

public sealed partial class SignInThrottle
{
    [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "Sign-in throttling tracks {Count} {What}, its limit (Tasker:Auth:SignIn:MaxTracked): new ones are not counted until old ones expire")]
    private static partial void TableFull(ILogger logger, string what, int count);
}
