using System.Globalization;
using Tasker.Testing;

namespace Tasker.Cluster.Tests;

/// <summary>
/// Without authentication a silo serves loopback only, however the address is given: here by a Kestrel endpoint, a
/// setting the start-up configuration check does not read, so the addresses actually bound decide.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class BoundAddressTests(ClusterServers servers) : IDisposable
{
    private readonly string _dataPath = Directory.CreateTempSubdirectory("tasker-bound-").FullName;

    public void Dispose() => Directory.Delete(_dataPath, recursive: true);

    [Theory]
    [InlineData("embedded")]
    [InlineData("cluster")]
    public async Task A_silo_without_authentication_that_a_Kestrel_endpoint_binds_to_every_interface_exits_with_one_line(string mode)
    {
        var port = TestHosting.FreePort().ToString(CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string>
        {
            ["Tasker__Auth__Enabled"] = "false",
            ["Kestrel__Endpoints__Http__Url"] = $"http://0.0.0.0:{port}",
            ["Tasker__Embedded__Storage"] = "memory",
        };
        await using var silo = mode == "embedded"
            ? SiloProcess.Embedded(_dataPath, settings)
            : new SiloProcess(servers, "t" + Guid.NewGuid().ToString("N")[..12], settings);

        var exitCode = await silo.StartExpectingExitAsync(TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{silo.Log}");
        var refusal = Assert.Single(silo.Log.Split('\n'), line => line.StartsWith("Tasker cannot start:", StringComparison.Ordinal));
        Assert.Contains($"0.0.0.0:{port}", refusal, StringComparison.Ordinal);
        Assert.Contains("Tasker__Auth__Enabled=true", refusal, StringComparison.Ordinal);
    }
}
