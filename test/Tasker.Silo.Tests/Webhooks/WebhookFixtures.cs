using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Tasker.Silo.Webhooks;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Webhooks;

/// <summary>
/// A silo that may deliver to loopback (the test's receivers listen on 127.0.0.1) and retries within tens of
/// milliseconds, so that five failures and a success take well under a second.
/// </summary>
public sealed class WebhookApiFixture : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Webhooks:AllowPrivate", "true")
            .UseSetting("Tasker:Webhooks:FirstRetryDelay", "00:00:00.050")
            .UseSetting("Tasker:Webhooks:MaxRetryDelay", "00:00:00.200")
            .UseSetting("Tasker:Webhooks:Timeout", "00:00:02");
}

[CollectionDefinition(Name)]
public sealed class WebhookCollection : ICollectionFixture<WebhookApiFixture>
{
    public const string Name = "webhooks";
}

/// <summary>
/// A silo as shipped (private addresses refused), whose resolver the test steers: <c>loopback.test</c> and
/// <c>metadata.test</c> resolve to 127.0.0.1 and 169.254.169.254; any other name to a documentation address, refused
/// as well, so that nothing a test sends leaves the machine. Names are accepted at submission and judged at send.
/// </summary>
public sealed class GuardedWebhookFixture : WebApplicationFactory<Program>
{
    public SteeredResolver Resolver { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Webhooks:FirstRetryDelay", "00:00:00.050")
            .UseSetting("Tasker:Webhooks:MaxRetryDelay", "00:00:00.200")
            .ConfigureTestServices(services => services.AddSingleton<IWebhookResolver>(Resolver));

    public sealed class SteeredResolver : IWebhookResolver
    {
        public int Lookups;

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Lookups);
            var address = host switch
            {
                "loopback.test" => IPAddress.Loopback,
                "metadata.test" => IPAddress.Parse("169.254.169.254"),
                _ => IPAddress.Parse("192.0.2.1"), // TEST-NET-1: refused too (documentation).
            };
            return Task.FromResult(new[] { address });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GuardedWebhookCollection : ICollectionFixture<GuardedWebhookFixture>
{
    public const string Name = "guarded-webhooks";
}
