using Microsoft.Extensions.Logging;

namespace Tasker.Webhooks;

/// <summary>Says once at start when private addresses are allowed, so that an operator sees it in the log.</summary>
public sealed class WebhookStartNotice(Microsoft.Extensions.Options.IOptions<WebhookOptions> options, ILogger<WebhookStartNotice> logger)
    : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.AllowPrivate)
        {
            WebhookStartNoticeLog.PrivateAllowed(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
