using System.Security.Cryptography;
using Tasker.Secrets;

namespace Tasker.Silo.Webhooks;

/// <summary>
/// Makes webhook secrets (docs/adr/036): <c>whsec_</c> and 32 random bytes in base64, the Standard Webhooks form; shown
/// once to the caller and sealed by Data Protection before a grain keeps it.
/// </summary>
public sealed class WebhookSecrets(ISecretProtector protector)
{
    public const string Prefix = "whsec_";

    /// <summary>A new secret and its sealed form.</summary>
    public async Task<(string Secret, string Sealed)> NewAsync()
    {
        var secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        // Data Protection may read its key ring synchronously (from the database).
        var sealedSecret = await Task.Run(() => protector.Protect(secret));
        return (secret, sealedSecret);
    }
}
