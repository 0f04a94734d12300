using System.Diagnostics;
using System.Globalization;
using Tasker.Silo.Auth;
using Tasker.Silo.Hosting;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Auth;

/// <summary>The settings of docs/adr/031 are checked at start-up, each mistake named in one line.</summary>
public sealed class SignInSettingsTests
{
    [Theory]
    [InlineData("KnownProxies", "nginx", "'nginx' is not an IP address")]
    [InlineData("KnownNetworks", "172.30.0.0", "'172.30.0.0' is not a network in CIDR notation")]
    [InlineData("KnownNetworks", "10.0.0.0/33", "'10.0.0.0/33' is not a network in CIDR notation")]
    public void A_proxy_that_is_not_an_address_or_network_is_refused(string setting, string value, string expected)
    {
        var options = setting == "KnownProxies" ? new TrustedProxyOptions { KnownProxies = [value] } : new TrustedProxyOptions { KnownNetworks = [value] };
        var result = new DataAnnotationsValidator<TrustedProxyOptions>().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains($"Tasker:Http:ForwardedHeaders:{setting}: {expected}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Proxies_by_address_and_network_are_accepted_and_none_means_forwarded_headers_are_off()
    {
        var named = new TrustedProxyOptions { KnownProxies = ["10.0.0.5", "::1"], KnownNetworks = ["172.30.0.0/24", "fd00::/8"] };
        Assert.True(new DataAnnotationsValidator<TrustedProxyOptions>().Validate(null, named).Succeeded);
        Assert.True(named.Enabled);
        Assert.False(new TrustedProxyOptions().Enabled);
    }

    [Fact]
    public void A_user_failure_delay_beyond_ten_seconds_is_refused()
    {
        var result = new DataAnnotationsValidator<SignInOptions>().Validate(null, new SignInOptions { UserFailureDelay = TimeSpan.FromMinutes(1) });
        Assert.True(result.Failed);
        Assert.Contains("Tasker:Auth:SignIn:UserFailureDelay", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_with_a_bad_proxy_network_stops_at_start_up_in_one_line()
    {
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "--urls", $"http://127.0.0.1:{TestHosting.FreePort()}"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["Orleans__SiloPort"] = TestHosting.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["Orleans__GatewayPort"] = TestHosting.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["Tasker__Embedded__Storage"] = "memory";
        start.Environment["Tasker__DataSet__Rows"] = "0";
        start.Environment["Tasker__Http__ForwardedHeaders__KnownNetworks__0"] = "everything";
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

        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Tasker cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains("Tasker:Http:ForwardedHeaders:KnownNetworks: 'everything' is not a network", line, StringComparison.Ordinal);
    }
}
