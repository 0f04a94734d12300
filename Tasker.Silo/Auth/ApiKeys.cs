using System.Security.Cryptography;
using System.Text;

namespace Tasker.Silo.Auth;

/// <summary>
/// API keys: <c>tsk_&lt;id&gt;_&lt;secret&gt;</c> with 256 random bits of secret. Only the SHA-256 of a key is stored
/// (a key has the entropy a password lacks, so a fast hash is enough), and it is the key of the grain that binds it.
/// </summary>
public static class ApiKeys
{
    /// <summary>The id of the key that <c>Tasker:Auth:AdminApiKey</c> configures.</summary>
    public const string ConfiguredKeyId = "configured";

    /// <summary>A new key and its id; the key is shown once and then only its hash exists.</summary>
    public static (string Id, string Key) New()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (id, $"tsk_{id}_{secret}");
    }

    /// <summary>The hexadecimal SHA-256 of a key: how it is stored and looked up.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Whether a key id from a route has the shape of one.</summary>
    public static bool IsKeyId(string id) => id == ConfiguredKeyId || (id.Length == 12 && id.All(char.IsAsciiHexDigitLower));
}
