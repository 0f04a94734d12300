using System.Globalization;
using System.Net;

namespace Tasker.Cluster.Tests;

/// <summary>
/// The TCP sockets a process listens on, read from the kernel's tables (/proc/net/tcp, /proc/net/tcp6) and the
/// process's open files: what is reachable, found without connecting to anything.
/// </summary>
public static class ListeningSockets
{
    private const string Listen = "0A";

    public sealed record Socket(IPAddress Address, int Port)
    {
        public override string ToString() => new IPEndPoint(Address, Port).ToString();
    }

    public static IReadOnlyList<Socket> Of(int processId)
    {
        var inodes = Directory.GetFiles($"/proc/{processId}/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .OfType<string>()
            .Where(target => target.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(target => target["socket:[".Length..^1])
            .ToHashSet(StringComparer.Ordinal);
        return Table("/proc/net/tcp").Concat(Table("/proc/net/tcp6"))
            .Where(row => row.State == Listen && inodes.Contains(row.Inode))
            .Select(row => row.Socket)
            .ToList();
    }

    private static IEnumerable<(Socket Socket, string State, string Inode)> Table(string path)
    {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = fields[1].Split(':');
            yield return (new Socket(Address(local[0]), int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)), fields[3], fields[9]);
        }
    }

    /// <summary>The kernel prints each 32-bit word of the address as a number in the machine's (little-endian) order.</summary>
    private static IPAddress Address(string hex)
    {
        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < hex.Length / 8; word++)
        {
            var value = uint.Parse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }

        return new IPAddress(bytes);
    }
}
