using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Tasker.Silo.Hosting;

/// <summary>Where this silo sits in its cluster. Bound from the <c>Orleans</c> section (<c>Orleans__SiloPort</c>, ...).</summary>
public sealed class OrleansHostOptions : IValidatableObject
{
    public const string SectionName = "Orleans";

    /// <summary>The cluster this silo joins. Default "tasker".</summary>
    [Required, RegularExpression(@"^[A-Za-z0-9_.-]{1,64}$")]
    public string ClusterId { get; set; } = "tasker";

    /// <summary>The service identity; part of every stored state's key, so never change it once data exists. Default "tasker".</summary>
    [Required, RegularExpression(@"^[A-Za-z0-9_.-]{1,64}$")]
    public string ServiceId { get; set; } = "tasker";

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// The Orleans client gateway's port; unset (the default) opens no gateway. Nothing in Tasker uses one: the front
    /// end is in the silo's process and people, the CLI and agents talk HTTP. The gateway has no authentication: a
    /// client that reaches it calls grains directly, past every check of the front end (docs/adr/030).
    /// </summary>
    [Range(1, 65535)]
    public int? GatewayPort { get; set; }

    /// <summary>
    /// The address other silos reach this one at, and the only one its Orleans ports listen on. Default: loopback in
    /// embedded mode; in cluster mode, the address the host name resolves to (in a container, the container's own).
    /// </summary>
    public string? AdvertisedIP { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AdvertisedIP is { Length: > 0 } ip && !IPAddress.TryParse(ip, out _))
        {
            yield return new ValidationResult($"Orleans:AdvertisedIP '{ip}' is not an IP address.", [nameof(AdvertisedIP)]);
        }

        if (SiloPort == GatewayPort)
        {
            yield return new ValidationResult("Orleans:SiloPort and Orleans:GatewayPort must differ.", [nameof(SiloPort)]);
        }
    }
}
