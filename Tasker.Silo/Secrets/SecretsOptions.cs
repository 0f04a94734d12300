using System.ComponentModel.DataAnnotations;

namespace Tasker.Silo.Secrets;

/// <summary>Settings of the secret parameters' key ring (<c>Tasker:Secrets</c>, docs/adr/018).</summary>
public sealed class SecretsOptions : IValidatableObject
{
    public const string Section = "Tasker:Secrets";

    /// <summary>
    /// 32 random bytes in base64 (<c>openssl rand -base64 32</c>) that encrypt the key ring where it is stored
    /// (PostgreSQL in cluster mode, the database file in durable embedded mode), so that a copy of the database opens
    /// nothing. The same on every silo; kept outside the database. Unset by default: the ring is stored unencrypted
    /// (a cluster silo warns at start-up).
    /// </summary>
    public string? RingKey { get; set; }

    /// <summary>The ring key's bytes, or null when none is set.</summary>
    public byte[]? RingKeyBytes() => RingKey is { Length: > 0 } text ? Convert.FromBase64String(text) : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RingKey is not { Length: > 0 } text)
        {
            yield break;
        }

        var bytes = new byte[64];
        if (!Convert.TryFromBase64String(text, bytes, out var length) || length != 32)
        {
            yield return new ValidationResult("Tasker:Secrets:RingKey must be 32 bytes in base64 (openssl rand -base64 32).", [nameof(RingKey)]);
        }
    }
}
