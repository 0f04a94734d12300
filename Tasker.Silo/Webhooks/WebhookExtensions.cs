using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Tasker.Webhooks;

namespace Tasker.Silo.Webhooks;

/// <summary>Wires the sending half of completion webhooks (docs/adr/036); the grains and their options are Tasker.Grains'.</summary>
public static class WebhookExtensions
{
    private const int MaxResponseHeaderKilobytes = 16;

    public static IServiceCollection AddTaskerWebhooks(this IServiceCollection services)
    {
        services.TryAddSingleton<IWebhookResolver, DnsWebhookResolver>(); // A test registers its own first.
        services.AddSingleton<IWebhookBodies, WebhookBodies>();
        services.AddSingleton<IWebhookSender, WebhookSender>();
        services.AddSingleton<WebhookSecrets>();
        services.AddHttpClient(WebhookSender.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan) // Each attempt has its own limit.
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var resolver = provider.GetRequiredService<IWebhookResolver>();
                var allowPrivate = provider.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivate;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false, // A redirect could lead anywhere; a 3xx is a failed attempt.
                    UseProxy = false, // The checked address is the one connected to.
                    UseCookies = false,
                    MaxResponseHeadersLength = MaxResponseHeaderKilobytes,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(1),
                    ConnectCallback = (context, cancellationToken) => WebhookSender.Connect(context, resolver, allowPrivate, cancellationToken),
                };
            })
            .RedactLoggedHeaders(["webhook-signature"]);
        return services;
    }
}
