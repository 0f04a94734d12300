using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Tasker.Client.Tests;

/// <summary>
/// The real Tasker server (front end and embedded silo) in this process, on free Orleans ports, shared by the
/// client tests. Chunks are short and reminders quick so long-task tests run in seconds.
/// </summary>
public sealed class TaskerServerFixture : WebApplicationFactory<Program>
{
    /// <summary>A typed client on the in-process server.</summary>
    public TaskerClient NewClient() => new(CreateClient());

    /// <summary>A client name no other test uses.</summary>
    public static string UniqueClientName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Orleans:SiloPort", FreePort().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", FreePort().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Tasker:ChunkBudget", "00:00:00.020");
        builder.UseSetting("Tasker:ReminderPeriod", "00:00:02");
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
public sealed class ServerCollection : ICollectionFixture<TaskerServerFixture>
{
    public const string Name = "server";
}
