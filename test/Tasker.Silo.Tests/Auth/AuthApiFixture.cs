using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Auth;

/// <summary>
/// The front end and an embedded silo with authentication on, the first admin from configuration, 003's demo users,
/// and a tier "trickle" of 3 requests per second for the rate-limit test. Shared by the auth tests.
/// </summary>
public sealed class AuthApiFixture : WebApplicationFactory<Program>
{
    public const string AdminName = "root";
    public const string AdminPassword = "root-password-1";
    public const string AdminApiKey = "configured-admin-key-0123456789";

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Auth:Enabled", "true")
            .UseSetting("Tasker:Auth:AdminName", AdminName)
            .UseSetting("Tasker:Auth:AdminPassword", AdminPassword)
            .UseSetting("Tasker:Auth:AdminApiKey", AdminApiKey)
            .UseSetting("Tasker:Auth:DemoUsers", "true")
            .UseSetting("Tasker:Auth:CacheTtl", "00:00:00.300")
            // Every request of these tests comes from the test server's one (unknown) address: they must not throttle
            // each other. Throttling has its own fixture (Security/SignInApiFixture).
            .UseSetting("Tasker:Auth:SignIn:AddressFailureBurst", "100000")
            .UseSetting("Tasker:Tiers:free:RequestsPerSecond", "100000")
            .UseSetting("Tasker:Tiers:paid:RequestsPerSecond", "100000")
            .UseSetting("Tasker:Tiers:trickle:RequestsPerSecond", "3")
            .UseSetting("Tasker:Tiers:trickle:MaxRunning", "1")
            .UseSetting("Tasker:Tiers:few:MaxSchedules", "2");

    /// <summary>A client that signs in with basic auth.</summary>
    public HttpClient As(string user, string password)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http;
    }

    /// <summary>A client that signs in with an API key as a bearer token.</summary>
    public HttpClient WithKey(string key)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    public HttpClient Admin() => As(AdminName, AdminPassword);

    /// <summary>Creates (or updates) a user with a unique name from <paramref name="prefix"/>; returns its name and password.</summary>
    public async Task<(string Name, string Password)> NewUserAsync(string prefix, string tier = "free", params string[] roles)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..24];
        var password = $"pw-{Guid.NewGuid():N}";
        using var admin = Admin();
        using var response = await admin.PutAsJsonAsync($"/users/{name}", new { tier, roles, password });
        Assert.True(response.IsSuccessStatusCode, $"PUT /users/{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (name, password);
    }
}

[CollectionDefinition(Name)]
public sealed class AuthCollection : ICollectionFixture<AuthApiFixture>
{
    public const string Name = "auth";
}
