using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Tasker.Silo.Hosting;

/// <summary>
/// The reverse proxies (nginx in docker-compose.yml) whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> the
/// front end believes. Bound from <c>Tasker:Http:ForwardedHeaders</c>
/// (<c>Tasker__Http__ForwardedHeaders__KnownNetworks__0=172.30.0.0/24</c>). With none configured the headers are
/// ignored, so that a caller cannot choose the address it is counted under.
/// </summary>
public sealed class TrustedProxyOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Http:ForwardedHeaders";

    /// <summary>Addresses of the proxies, e.g. 10.0.0.5 or ::1. Default none.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks the proxies are in, in CIDR notation, e.g. 172.30.0.0/24. Default none.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a chain to see through (each of them must be known). Default 1.</summary>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;

    /// <summary>Whether any proxy is known, and so whether forwarded headers are read at all.</summary>
    public bool Enabled => KnownProxies.Length > 0 || KnownNetworks.Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
        {
            yield return new ValidationResult($"Tasker:Http:ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address.", [nameof(KnownProxies)]);
        }

        foreach (var network in KnownNetworks.Where(n => !IPNetwork.TryParse(n, out _)))
        {
            yield return new ValidationResult(
                $"Tasker:Http:ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR notation (such as 172.30.0.0/24).", [nameof(KnownNetworks)]);
        }
    }
}
