namespace Tasker.Silo.Auth;

public sealed partial class UserBootstrap
{
    [LoggerMessage(3100, LogLevel.Warning,
        "Authentication is OFF in cluster mode (Tasker:Auth:Enabled=false): anyone who reaches this silo's HTTP port can read and control every task.")]
    private static partial void AuthOffInCluster(ILogger logger);

    [LoggerMessage(3101, LogLevel.Information, "Admin user {Admin} is ready (from Tasker:Auth).")]
    private static partial void AdminReady(ILogger logger, string admin);

    [LoggerMessage(3102, LogLevel.Warning,
        "Authentication is on but no admin credential is configured (Tasker__Auth__AdminPassword or Tasker__Auth__AdminApiKey): only users that already exist can sign in.")]
    private static partial void NoAdminConfigured(ILogger logger);

    [LoggerMessage(3103, LogLevel.Warning, "Demo users of the old system 003 are on (test, user1, flashnot, with their well-known passwords): never in production.")]
    private static partial void DemoUsersReady(ILogger logger);

    [LoggerMessage(3104, LogLevel.Warning, "Users at start-up: the cluster is not ready yet (attempt {Attempt}: {ExceptionType}: {Reason}); trying again in 2 s")]
    private static partial void ClusterNotReady(ILogger logger, int attempt, string exceptionType, string reason);
}
