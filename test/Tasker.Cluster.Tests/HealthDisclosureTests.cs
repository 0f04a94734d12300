using System.Net;

namespace Tasker.Cluster.Tests;

/// <summary>What <c>/health/ready</c> tells whom while a driver fails, against a real silo whose Redis is stopped.</summary>
[Collection(OutageServersCollection.Name)]
public sealed class HealthDisclosureTests(OutageServers servers)
{
    [Fact]
    public async Task While_Redis_is_down_health_ready_tells_an_anonymous_caller_the_status_but_not_the_drivers_error()
    {
        await using var silo = new SiloProcess(servers, "t" + Guid.NewGuid().ToString("N")[..12]);
        await silo.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(40) };
        var redisPort = servers.Redis.Split(':')[^1];

        await servers.StopRedisAsync();
        string anonymousBody, adminBody;
        try
        {
            using var refused = await Retry.UntilAsync(() => anonymous.GetAsync("/health/ready"), TimeSpan.FromSeconds(30),
                r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
            anonymousBody = await refused.Content.ReadAsStringAsync();
            using var detailed = await silo.Http.GetAsync("/health/ready");
            adminBody = await detailed.Content.ReadAsStringAsync();
        }
        finally
        {
            await servers.StartRedisAsync();
        }

        // An admin sees the driver's error (which, depending on how the connection fails, names the address); an
        // anonymous caller sees statuses only.
        Assert.True(adminBody.Contains("redis does not answer", StringComparison.Ordinal), adminBody);
        Assert.Contains("\"status\":\"unhealthy\"", anonymousBody, StringComparison.Ordinal);
        Assert.DoesNotContain("description", anonymousBody, StringComparison.Ordinal);
        Assert.DoesNotContain("does not answer", anonymousBody, StringComparison.Ordinal);
        Assert.DoesNotContain(redisPort, anonymousBody, StringComparison.Ordinal);
        await Retry.UntilAsync(() => anonymous.GetAsync("/health/ready"), TimeSpan.FromSeconds(60), r => r.IsSuccessStatusCode);
    }
}
