using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Tasker.Silo.Hosting;

/// <summary>
/// Behind a reverse proxy every request comes from the proxy's address: the client's is in <c>X-Forwarded-For</c>.
/// That header is believed only from the proxies <see cref="TrustedProxyOptions"/> names, and not at all when it
/// names none. Sign-in throttling counts failures per client address (docs/adr/031), so it needs the real one.
/// </summary>
public static class ForwardedHeadersExtensions
{
    public static IServiceCollection AddTaskerForwardedHeaders(this IServiceCollection services)
    {
        services.AddValidatedOptions<TrustedProxyOptions>(TrustedProxyOptions.SectionName);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, trusted) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = trusted.Value.ForwardLimit;

            // ASP.NET trusts loopback by default: only what the operator names is trusted here.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in trusted.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }

            foreach (var network in trusted.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }

    /// <summary>First in the pipeline, so that everything after it (authentication above all) sees the client's address.</summary>
    public static WebApplication UseTaskerForwardedHeaders(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<TrustedProxyOptions>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}
