using Microsoft.Extensions.Logging;

namespace Tasker.Webhooks;

internal static partial class WebhookStartNoticeLog
{
    [LoggerMessage(2706, LogLevel.Warning, "Tasker:Webhooks:AllowPrivate is on: callbacks may use http and reach loopback, private, link-local and metadata addresses. For tests and local use only")]
    public static partial void PrivateAllowed(ILogger logger);
}
