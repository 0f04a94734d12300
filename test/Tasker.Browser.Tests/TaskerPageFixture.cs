using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;
using Tasker.Testing;

namespace Tasker.Browser.Tests;

/// <summary>
/// The real Tasker server (front end and embedded silo) on a real loopback port, and Debian's headless chromium
/// driven by Playwright, shared by the page tests. Playwright's own browsers are never downloaded: the driver that
/// ships in the package starts <see cref="ChromiumPath"/>.
/// </summary>
public sealed class TaskerPageFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>Debian's chromium; <c>build/test.sh</c> installs it when it is missing.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly int _port = TestHosting.FreePort();
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public TaskerPageFixture() => UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, _port));

    /// <summary>Where the page is served, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri PageAddress => new($"http://127.0.0.1:{_port}/");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    /// <summary>A plain HTTP client on the same server, to arrange data the page then shows.</summary>
    public HttpClient Api() => new() { BaseAddress = PageAddress };

    /// <summary>A fresh browser context (its own storage and downloads) with the page open and its lists loaded.</summary>
    public async Task<IPage> OpenPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            BaseURL = PageAddress.ToString(),
            Locale = "en-US",
        });
        context.SetDefaultTimeout(15_000);
        // A fresh silo's first page (its endpoints not compiled yet) on a machine that also
        // runs the cluster tests has taken over 15 s to load in the test command.
        context.SetDefaultNavigationTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.Locator("#submit-type option[value='count']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    /// <summary>A client name no other test uses.</summary>
    public static string UniqueClient(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"The page tests drive Debian's chromium at {ChromiumPath}; install it with apt-get install chromium.");
        }

        StartServer();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>The token the shell page test's stand-in agent presents.</summary>
    public const string AgentToken = "page-agent-token-0123456789";

    /// <summary>Rows of the fake data set: enough for an export that runs for seconds, in chunks of 10.</summary>
    public const int DataSetRows = 20_000;

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:DataSet:Rows", DataSetRows.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Tasker:Shell:Enabled", "true") // The server listens on loopback only, so shell tasks are allowed.
            .UseSetting("Tasker:Agents:Token", AgentToken)
            .UseSetting("Tasker:Webhooks:AllowPrivate", "true"); // The callbacks of the page tests go to a receiver on loopback.
}

[CollectionDefinition(Name)]
public sealed class PageCollection : ICollectionFixture<TaskerPageFixture>
{
    public const string Name = "page";
}
