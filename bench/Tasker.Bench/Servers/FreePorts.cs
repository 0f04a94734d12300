using System.Net;
using System.Net.Sockets;

namespace Tasker.Bench.Servers;

/// <summary>Loopback ports that nothing listens on at the moment of asking.</summary>
public static class FreePorts
{
    /// <summary>Takes <paramref name="count"/> distinct free ports from the kernel.</summary>
    public static int[] Take(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
