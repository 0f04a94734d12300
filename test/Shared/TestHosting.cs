using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;

namespace Tasker.Testing;

/// <summary>What every test that hosts Tasker in-process or as a process needs: free ports and quick settings.</summary>
/// <remarks>Compiled into each test project that needs it (linked from test/Shared).</remarks>
public static class TestHosting
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _handedOut = new();

    /// <summary>
    /// A loopback port nothing listens on right now, outside the kernel's ephemeral range (32768–60999 by default):
    /// a port picked there could be taken by an outgoing connection before the silo binds it ("address already in
    /// use", seen in CI). Never the same port twice in one test process.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            if (!_handedOut.TryAdd(port, true))
            {
                continue;
            }

            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// An embedded silo on a free silo port (no Orleans gateway, as by default), with short chunks and quick reminders
    /// so long-task tests run in seconds.
    /// </summary>
    public static IWebHostBuilder UseQuickEmbeddedSilo(this IWebHostBuilder builder)
    {
        builder.UseSetting("Orleans:SiloPort", FreePort().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Tasker:ChunkBudget", "00:00:00.020");
        builder.UseSetting("Tasker:ReminderPeriod", "00:00:02");
        builder.UseSetting("Tasker:Http:ProcessStatusTtl", "00:00:00.200");
        builder.UseSetting("Tasker:Schedules:OverlapPoll", "00:00:00.200");
        builder.UseSetting("Tasker:DataSet:Rows", "1000"); // Tests that read the data set ask for the full one.
        // In memory: no test reads another's file (the durable embedded storage has tests of its own, docs/adr/019).
        builder.UseSetting("Tasker:Embedded:Storage", "memory");
        return builder;
    }
}
