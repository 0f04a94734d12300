using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Tasker.Silo.Hosting;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Auth;

public sealed class StartupTests
{
    private sealed class NonLoopbackFixture : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder) =>
            builder.UseQuickEmbeddedSilo().UseSetting("urls", "http://0.0.0.0:5399").UseSetting("Tasker:Auth:Enabled", "true");
    }

    [Fact]
    public async Task Embedded_mode_without_authentication_refuses_an_address_beyond_loopback_in_one_line()
    {
        // As an operator would meet it: the silo process stops at once with one line on stderr and exit code 2.
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "--urls", $"http://0.0.0.0:{TestHosting.FreePort()}"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["Orleans__SiloPort"] = TestHosting.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["Orleans__GatewayPort"] = TestHosting.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["Tasker__Embedded__Storage"] = "memory"; // No test reads another's file.
        start.Environment["Tasker__DataSet__Rows"] = "0";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single(lines);
        Assert.StartsWith("Tasker cannot start: embedded mode without authentication listens on loopback only", line, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0", line, StringComparison.Ordinal);
        Assert.Contains("Tasker__Auth__Enabled", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", null)]
    [InlineData("http://localhost:5000;http://[::1]:5001", null)]
    [InlineData("http://127.0.0.1:5000;http://*:5001", "http://*:5001")]
    [InlineData("http://+:80", "http://+:80")]
    [InlineData("http://10.0.0.5:80", "http://10.0.0.5:80")]
    public void Only_loopback_addresses_count_as_loopback(string urls, string? beyond)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls }).Build();
        Assert.Equal(beyond, AuthExtensions.BeyondLoopback(configuration));
    }

    [Fact]
    public void ASPNETCORE_HTTP_PORTS_listens_beyond_loopback()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["http_ports"] = "8080" }).Build();
        Assert.NotNull(AuthExtensions.BeyondLoopback(configuration));
    }

    [Theory]
    [InlineData(false, null, false, false)]
    [InlineData(false, "true", true, false)]
    [InlineData(true, null, true, false)]
    [InlineData(true, "false", false, true)]
    [InlineData(true, "true", true, false)]
    public void Authentication_defaults_to_off_embedded_and_on_in_cluster_mode(bool cluster, string? setting, bool enabled, bool warned)
    {
        var values = new Dictionary<string, string?> { ["Tasker:Auth:Enabled"] = setting, ["urls"] = "http://127.0.0.1:5000" };
        if (cluster)
        {
            values["ConnectionStrings:Redis"] = "127.0.0.1:6379";
            values["ConnectionStrings:Postgres"] = "Host=127.0.0.1";
        }

        var mode = AuthExtensions.ResolveMode(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

        Assert.Equal(enabled, mode.Enabled);
        Assert.Equal(warned, mode.ExplicitlyOffInCluster);
    }

    [Fact]
    public void Embedded_mode_with_authentication_may_listen_beyond_loopback()
    {
        using var factory = new NonLoopbackFixture();
        using var http = factory.CreateClient();
        Assert.NotNull(http);
    }
}
