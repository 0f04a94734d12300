using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;
using Tasker.Testing;

namespace Tasker.Browser.Tests.Auth;

/// <summary>The page served with authentication on and 003's demo users, on a real loopback port, and headless chromium.</summary>
public sealed class SignedInPageFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly int _port = TestHosting.FreePort();
    private IPlaywright? _playwright;

    public SignedInPageFixture() => UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, _port));

    public Uri PageAddress => new($"http://127.0.0.1:{_port}/");

    public IBrowser Browser { get; private set; } = null!;

    public HttpClient Api(string user, string password)
    {
        var http = new HttpClient { BaseAddress = PageAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http;
    }

    public async Task InitializeAsync()
    {
        StartServer();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = TaskerPageFixture.ChromiumPath, Headless = true });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo().UseSetting("Tasker:Auth:Enabled", "true").UseSetting("Tasker:Auth:DemoUsers", "true");
}

/// <summary>With authentication on, the browser asks for credentials and the page shows the user's own tasks only.</summary>
public sealed class SignedInPageTests(SignedInPageFixture server) : IClassFixture<SignedInPageFixture>
{
    [Fact]
    public async Task Without_credentials_the_browser_is_asked_for_them()
    {
        using var plain = new HttpClient { BaseAddress = server.PageAddress };
        using var refused = await plain.GetAsync("/");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains(refused.Headers.WwwAuthenticate, h => h.Scheme == "Basic");

        // A browser answers a Basic challenge with its sign-in prompt; headless chromium has no one to ask and gives up.
        var context = await server.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.PageAddress.ToString() });
        var page = await context.NewPageAsync();
        var failure = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync("/"));
        Assert.Contains("ERR_INVALID_AUTH_CREDENTIALS", failure.Message, StringComparison.Ordinal);
        await context.CloseAsync();
    }

    [Fact]
    public async Task A_signed_in_user_sees_its_own_tasks_and_not_another_users()
    {
        using var test = server.Api("test", "test");
        using var other = server.Api("user1", "user1");
        var mine = await SubmitAsync(test);
        var theirs = await SubmitAsync(other);

        var context = await server.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.PageAddress.ToString(),
            HttpCredentials = new HttpCredentials { Username = "test", Password = "test" },
        });
        context.SetDefaultTimeout(15_000);
        // A fresh silo's first page (its endpoints not compiled yet, the password hashed once) on a machine that also
        // runs the cluster tests has taken over 15 s to load in the test command.
        context.SetDefaultNavigationTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");

        await page.TaskRow(mine).WaitForAsync();
        Assert.Equal(0, await page.TaskRow(theirs).CountAsync());
        await context.CloseAsync();
    }

    private static async Task<string> SubmitAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/tasks", new { type = "input", @params = new { input_param = Guid.NewGuid().ToString("N") } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
