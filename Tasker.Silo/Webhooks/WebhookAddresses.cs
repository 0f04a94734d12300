using System.Net;
using System.Net.Sockets;

namespace Tasker.Silo.Webhooks;

/// <summary>
/// Which addresses a webhook may not reach (docs/adr/036): loopback, private (RFC 1918, ULA), link-local (with the cloud
/// metadata addresses 169.254.169.254 and fd00:ec2::254), shared (CGNAT), unspecified, multicast, broadcast and
/// reserved ranges, also when written inside an IPv6 address (mapped, NAT64, 6to4).
/// </summary>
public static class WebhookAddresses
{
    /// <summary>Why <paramref name="address"/> is refused (the kind of address it is), or null for a public one.</summary>
    public static string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return Refusal(address.MapToIPv4());
        }

        return address.AddressFamily == AddressFamily.InterNetwork ? RefusalV4(address.GetAddressBytes()) : RefusalV6(address);
    }

    private static string? RefusalV4(byte[] b) => b switch
    {
        [0, ..] => "unspecified",
        [10, ..] => "private",
        [100, >= 64 and < 128, ..] => "shared (CGNAT)",
        [127, ..] => "loopback",
        [169, 254, 169, 254] => "cloud metadata",
        [169, 254, ..] => "link-local",
        [172, >= 16 and < 32, ..] => "private",
        [192, 0, 0, _] => "reserved",
        [192, 0, 2, _] or [198, 51, 100, _] or [203, 0, 113, _] => "documentation",
        [192, 168, ..] => "private",
        [198, 18 or 19, ..] => "reserved",
        [>= 224 and < 240, ..] => "multicast",
        [>= 240, ..] => "reserved",
        _ => null,
    };

    private static string? RefusalV6(IPAddress address)
    {
        var b = address.GetAddressBytes();
        if (address.Equals(IPAddress.IPv6Any))
        {
            return "unspecified";
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "loopback";
        }

        if (b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x0e && b[3] == 0xc2 && address.Equals(IPAddress.Parse("fd00:ec2::254")))
        {
            return "cloud metadata";
        }

        return b switch
        {
            [>= 0xfc and <= 0xfd, ..] => "private (unique local)",
            [0xfe, >= 0x80 and < 0xc0, ..] => "link-local",
            [0xfe, >= 0xc0, ..] => "site-local",
            [0xff, ..] => "multicast",
            // ::/96 (the old IPv4-compatible form) and NAT64's 64:ff9b::/96 carry an IPv4 address in their last four bytes.
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, _, _, _, _] => RefusalV4(b[12..]) ?? "reserved",
            [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, _, _, _, _] => RefusalV4(b[12..]),
            // 6to4: 2002:aabb:ccdd::/48 carries aa.bb.cc.dd.
            [0x20, 0x02, ..] => RefusalV4(b[2..6]),
            _ => null,
        };
    }
}

/// <summary>Resolves a callback's host when an attempt is sent; a test gives its own, to move a name between checks.</summary>
public interface IWebhookResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system's DNS; an address literal is itself.</summary>
public sealed class DnsWebhookResolver : IWebhookResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? Task.FromResult(new[] { literal }) : Dns.GetHostAddressesAsync(host, cancellationToken);
}

/// <summary>The connection was refused before it was made: the host resolved to no address a webhook may reach.</summary>
public sealed class WebhookAddressRefusedException(string message) : IOException(message);
