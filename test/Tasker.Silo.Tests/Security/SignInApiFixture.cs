using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Security;

/// <summary>
/// The front end with authentication on, small sign-in limits, and one known proxy. The test server has no client
/// addresses, so a middleware put first in the pipeline takes the connection's address from <see cref="PeerHeader"/>:
/// a request "from the proxy" carries the proxy's address there and the client's in X-Forwarded-For.
/// </summary>
public sealed class SignInApiFixture : WebApplicationFactory<Program>
{
    public const string AdminName = "root";
    public const string AdminPassword = "root-password-1";
    public const string AdminApiKey = "configured-admin-key-0123456789";

    /// <summary>The reverse proxy's address (as nginx's in compose).</summary>
    public const string Proxy = "10.20.30.40";

    /// <summary>The connection's remote address, set by the test (never sent by a real client: this middleware exists only here).</summary>
    public const string PeerHeader = "X-Test-Peer-Address";

    public const int AddressFailureBurst = 5;
    public const int UserFailureBurst = 3;
    public static readonly TimeSpan UserFailureDelay = TimeSpan.FromMilliseconds(400);

    private static int _nextAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Auth:Enabled", "true")
            .UseSetting("Tasker:Auth:AdminName", AdminName)
            .UseSetting("Tasker:Auth:AdminPassword", AdminPassword)
            .UseSetting("Tasker:Auth:AdminApiKey", AdminApiKey)
            .UseSetting("Tasker:Auth:CacheTtl", "00:00:00")
            .UseSetting("Tasker:Http:ForwardedHeaders:KnownProxies:0", Proxy)
            .UseSetting("Tasker:Auth:SignIn:AddressFailureBurst", AddressFailureBurst.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Tasker:Auth:SignIn:AddressFailuresPerMinute", "1")
            .UseSetting("Tasker:Auth:SignIn:UserFailureBurst", UserFailureBurst.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Tasker:Auth:SignIn:UserFailuresPerMinute", "1")
            .UseSetting("Tasker:Auth:SignIn:UserFailureDelay", UserFailureDelay.ToString())
            .UseSetting("Tasker:Auth:SignIn:MaxConcurrentPasswordChecks", "1")
            .UseSetting("Tasker:Auth:SignIn:PasswordCheckQueue", "1")
            .UseSetting("Tasker:Tiers:free:RequestsPerSecond", "100000")
            .ConfigureServices(services => services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter, PeerAddressFromHeader>()));

    /// <summary>A client address no other test uses (TEST-NET-3, 203.0.113.0/24, then beyond).</summary>
    public static string NewAddress()
    {
        var n = Interlocked.Increment(ref _nextAddress);
        return $"203.0.{113 + (n / 250)}.{1 + (n % 250)}";
    }

    /// <summary>A client whose requests reach the silo through the known proxy, from <paramref name="client"/>.</summary>
    public HttpClient ThroughProxy(string client) => From(Proxy, forwardedFor: client);

    /// <summary>A client connected to the silo itself from <paramref name="peer"/>, optionally claiming X-Forwarded-For.</summary>
    public HttpClient From(string peer, string? forwardedFor = null)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Add(PeerHeader, peer);
        if (forwardedFor is not null)
        {
            http.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }

        return http;
    }

    public static void SignInAs(HttpClient http, string user, string password) =>
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public static void SignInWithKey(HttpClient http, string key) =>
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

    /// <summary>Creates a user with a unique name from <paramref name="prefix"/> (through the proxy, as the admin); returns its name and password.</summary>
    public async Task<(string Name, string Password)> NewUserAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..24];
        var password = $"pw-{Guid.NewGuid():N}";
        using var admin = ThroughProxy(NewAddress());
        SignInWithKey(admin, AdminApiKey);
        using var response = await admin.PutAsJsonAsync($"/users/{name}", new { tier = "free", roles = Array.Empty<string>(), password });
        Assert.True(response.IsSuccessStatusCode, $"PUT /users/{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (name, password);
    }

    private sealed class PeerAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers[PeerHeader] is { Count: 1 } peer)
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(peer[0]!);
                    context.Request.Headers.Remove(PeerHeader);
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
