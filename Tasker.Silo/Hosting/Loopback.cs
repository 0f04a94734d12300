using System.Net;

namespace Tasker.Silo.Hosting;

/// <summary>What counts as this machine: loopback addresses (127.0.0.0/8, ::1) and the name <c>localhost</c>.</summary>
public static class Loopback
{
    /// <summary>
    /// Whether <paramref name="host"/> names this machine: <c>localhost</c>, or a loopback address (an IPv6 one with or
    /// without brackets). Anything else, <c>*</c>, <c>+</c>, <c>0.0.0.0</c> and other names included, is not.
    /// </summary>
    public static bool IsHost(string host)
    {
        var bare = host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        return bare.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(bare, out var address) && IsAddress(address));
    }

    /// <summary>Whether a listening URL (<c>http://127.0.0.1:5000</c>, <c>http://[::1]:5001</c>, <c>http://*:80</c>) is loopback only.</summary>
    public static bool IsUrl(string url) => IsHost(BindingAddress.Parse(url).Host);

    /// <summary>Whether a connection's address is loopback, also when a dual-stack socket reports IPv4 as IPv6 (<c>::ffff:127.0.0.1</c>).</summary>
    public static bool IsAddress(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
