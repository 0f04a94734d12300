using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tasker.Testing;

namespace Tasker.Cluster.Tests;

/// <summary>
/// Orleans' ports have neither authentication nor TLS: whoever reaches one calls grains directly, past every check of
/// the front end. A silo listens on its advertised address only, and opens a gateway only when configured.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class OrleansPortsTests(ClusterServers servers)
{
    [Fact]
    public async Task A_cluster_silo_advertised_on_loopback_listens_on_loopback_only_and_opens_a_gateway_only_when_configured()
    {
        var clusterId = "t" + Guid.NewGuid().ToString("N")[..12];
        var gatewayPort = TestHosting.FreePort();
        await using var plain = new SiloProcess(servers, clusterId);
        await using var withGateway = new SiloProcess(servers, clusterId, new Dictionary<string, string>
        {
            ["Orleans__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
        });
        await plain.StartAsync();
        await withGateway.StartAsync();

        AssertListensOnLoopbackOnly(plain, [plain.HttpPort, plain.SiloPort]);
        AssertListensOnLoopbackOnly(withGateway, [withGateway.HttpPort, withGateway.SiloPort, gatewayPort]);

        // Listening on the advertised address only, the two silos still form one cluster: tasks submitted to one,
        // whose grains are spread over both, are all read through the other.
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            using var submitted = await plain.Http.PostAsJsonAsync("/tasks", new { type = "sum2", @params = new { first = i, second = 1 }, client = "ports" });
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
            ids.Add((await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        foreach (var id in ids)
        {
            var task = await Retry.UntilAsync(() => withGateway.Http.GetFromJsonAsync<JsonElement>($"/tasks/{id}"), TimeSpan.FromSeconds(30),
                t => t.GetProperty("status").GetString() == "succeeded");
            Assert.Equal("succeeded", task.GetProperty("status").GetString());
        }
    }

    private static void AssertListensOnLoopbackOnly(SiloProcess silo, int[] expectedPorts)
    {
        var sockets = ListeningSockets.Of(silo.ProcessId ?? throw new InvalidOperationException("the silo is not running"));
        var shown = string.Join(", ", sockets);
        Assert.All(sockets, socket => Assert.True(IPAddress.IsLoopback(socket.Address), $"the silo listens on {socket}: {shown}"));
        Assert.Equal(expectedPorts.Order(), sockets.Select(s => s.Port).Distinct().Order());
    }
}
