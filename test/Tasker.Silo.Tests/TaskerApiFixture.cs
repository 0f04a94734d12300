using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Tasker.Silo.Tests;

/// <summary>
/// The real front end and an embedded silo in this process, on free ports, shared by the HTTP tests.
/// Chunks are short and reminders quick so long-task tests run in seconds.
/// </summary>
public sealed class TaskerApiFixture : WebApplicationFactory<Program>
{
    public const long MaxBodyBytes = 64 * 1024;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Orleans:SiloPort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Tasker:ChunkBudget", "00:00:00.020");
        builder.UseSetting("Tasker:ReminderPeriod", "00:00:02");
        builder.UseSetting("Tasker:Http:MaxRequestBodyBytes", MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Tasker:Http:ProcessStatusTtl", "00:00:00.200");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<TaskerApiFixture>
{
    public const string Name = "api";
}
