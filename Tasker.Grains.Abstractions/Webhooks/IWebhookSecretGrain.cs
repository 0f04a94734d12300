namespace Tasker;

/// <summary>
/// The webhook signing secret of one client name (a signed-in user's client name is its user name), kept sealed by
/// Data Protection: the secret itself never reaches a grain in plain text (docs/adr/036). Keyed by the client name.
/// </summary>
[Alias("tasker.IWebhookSecretGrain")]
public interface IWebhookSecretGrain : IGrainWithStringKey
{
    /// <summary>
    /// Makes <paramref name="sealedSecret"/> the secret that signs from now on; the one it replaces still signs beside
    /// it for a grace period, so that receivers can switch.
    /// </summary>
    [Alias("Rotate")]
    Task<WebhookSecretRotation> RotateAsync(string sealedSecret);

    /// <summary>The sealed secrets that sign now (the current one first), or null when the client has none.</summary>
    [Alias("GetSigningKeys")]
    Task<WebhookSigningKeys?> GetSigningKeysAsync();

    /// <summary>Forgets the secrets (the user was deleted).</summary>
    [Alias("Forget")]
    Task ForgetAsync();
}

/// <summary>The sealed secrets a delivery is signed with: the current one, and the previous one during its grace period.</summary>
[GenerateSerializer, Immutable, Alias("tasker.WebhookSigningKeys")]
public sealed record WebhookSigningKeys([property: Id(0)] string Current, [property: Id(1)] string? Previous);

/// <summary>When a new secret took effect, and until when the one it replaced still signs beside it (null when there was none).</summary>
[GenerateSerializer, Immutable, Alias("tasker.WebhookSecretRotation")]
public sealed record WebhookSecretRotation([property: Id(0)] DateTimeOffset CreatedAt, [property: Id(1)] DateTimeOffset? PreviousValidUntil);
