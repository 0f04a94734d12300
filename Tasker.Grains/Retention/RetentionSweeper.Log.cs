using Microsoft.Extensions.Logging;

namespace Tasker.Retention;

public sealed partial class RetentionSweeper
{
    [LoggerMessage(2400, LogLevel.Information, "Retention sweep: {Expired} ended tasks expired, {Failed} failed (tried again next sweep), {Rows} storage rows removed, in {ElapsedMs} ms")]
    private static partial void Swept(ILogger logger, int expired, int failed, long rows, long elapsedMs);

    [LoggerMessage(2401, LogLevel.Warning, "Retention sweep: task {TaskId} of {Client} could not be expired; it stays whole and is tried again next sweep")]
    private static partial void ExpiryFailed(ILogger logger, string taskId, string client, Exception exception);

    [LoggerMessage(2402, LogLevel.Warning, "Retention sweep failed; it runs again at its next interval")]
    private static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(2403, LogLevel.Warning, "Retention sweep: expired idempotency key {Key} could not be cleared; tried again next sweep")]
    private static partial void KeyExpiryFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(2404, LogLevel.Information, "Retention sweep: {Removed} uploaded files that no task uses were removed")]
    private static partial void UploadsSwept(ILogger logger, int removed);
}
