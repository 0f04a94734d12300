using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Tasker.Silo.Auth;

/// <summary>
/// Checks presented credentials against the user grains. A password hash is slow by design, so a successful
/// verification is remembered for <see cref="AuthOptions.CacheTtl"/> on this silo, under a SHA-256 of the
/// credentials (never the credentials). Failures are not remembered. A changed password, a revoked key or a
/// deleted user takes effect on every silo within that time.
/// </summary>
public sealed class CredentialVerifier(IGrainFactory grains, IMemoryCache cache, SignInThrottle throttle, IOptions<AuthOptions> options)
{
    private static readonly Lazy<string> _decoyHash = new(() => Passwords.Hash("decoy", Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));

    /// <summary>
    /// The user the credentials sign in, or null; when the address has failed too often for that user name (or for
    /// keys) lately, null and how long until it may try again, without checking (see <see cref="SignInThrottle"/>).
    /// </summary>
    public async Task<(AuthenticatedUser? User, TimeSpan? RetryAfter)> VerifyAsync(PresentedCredentials credentials, string address)
    {
        var cacheKey = CacheKey(credentials);
        if (cache.TryGetValue(cacheKey, out AuthenticatedUser? known) && known is not null)
        {
            return (known, null);
        }

        var throttleKey = $"{address}\n{(credentials is PresentedCredentials.Basic basic ? basic.User : "api key")}";
        if (throttle.RetryAfter(throttleKey) is { } wait)
        {
            return (null, wait);
        }

        var user = credentials switch
        {
            PresentedCredentials.Basic basicCredentials => await VerifyPasswordAsync(basicCredentials.User, basicCredentials.Password),
            PresentedCredentials.ApiKey key => await VerifyKeyAsync(key.Key),
            _ => null,
        };
        if (user is null)
        {
            throttle.Failed(throttleKey);
        }
        else if (options.Value.CacheTtl > TimeSpan.Zero)
        {
            cache.Set(cacheKey, user, options.Value.CacheTtl);
        }

        return (user, null);
    }

    private async Task<AuthenticatedUser?> VerifyPasswordAsync(string name, string password)
    {
        if (!ClientNames.IsValid(name) || await grains.GetGrain<IUserGrain>(name).GetAsync() is not { PasswordHash: { } hash } user)
        {
            // As slow as a wrong password, so that the time taken does not tell which user names exist.
            Passwords.Verify(name, _decoyHash.Value, password);
            return null;
        }

        return Passwords.Verify(name, hash, password) ? From(user) : null;
    }

    private async Task<AuthenticatedUser?> VerifyKeyAsync(string key)
    {
        if (key.Length is 0 or > 200)
        {
            return null;
        }

        if (await grains.GetGrain<IApiKeyGrain>(ApiKeys.Hash(key)).FindAsync() is not { } binding
            || await grains.GetGrain<IUserGrain>(binding.User).GetAsync() is not { } user
            || !user.Keys.Any(k => k.Id == binding.KeyId))
        {
            return null;
        }

        return From(user);
    }

    private static AuthenticatedUser From(UserSnapshot user) => new(user.Name, user.Tier, user.Roles);

    private static string CacheKey(PresentedCredentials credentials)
    {
        var text = credentials switch
        {
            PresentedCredentials.Basic basic => $"basic\n{basic.User}\n{basic.Password}",
            PresentedCredentials.ApiKey key => $"key\n{key.Key}",
            _ => "",
        };
        return "tasker-auth:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}

/// <summary>What a request presented to sign in with.</summary>
public abstract record PresentedCredentials
{
    private PresentedCredentials()
    {
    }

    /// <summary>Authorization: Basic.</summary>
    public sealed record Basic(string User, string Password) : PresentedCredentials
    {
        public override string ToString() => $"Basic {{ User = {User} }}"; // Never the password, in a log or a debugger.
    }

    /// <summary>Authorization: Bearer, or X-Api-Key.</summary>
    public sealed record ApiKey(string Key) : PresentedCredentials
    {
        public override string ToString() => "ApiKey { *** }";
    }

    /// <summary>Credentials that cannot be read; the reason says why.</summary>
    public sealed record Malformed(string Reason) : PresentedCredentials;

    /// <summary>Reads the request's credentials; null when it presents none.</summary>
    public static PresentedCredentials? Read(HttpRequest request)
    {
        if (request.Headers["X-Api-Key"] is { Count: > 0 } keyHeader)
        {
            return keyHeader.Count == 1 && keyHeader[0] is { Length: > 0 } key ? new ApiKey(key) : new Malformed("X-Api-Key must be one API key");
        }

        if (request.Headers.Authorization is not { Count: > 0 } authorization)
        {
            return null;
        }

        var value = authorization.Count == 1 ? authorization[0] ?? "" : "";
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space < 0 ? value : value[..space];
        var parameter = space < 0 ? "" : value[(space + 1)..].Trim();
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return parameter.Length > 0 ? new ApiKey(parameter) : new Malformed("Authorization: Bearer needs an API key");
        }

        if (!scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return new Malformed("Authorization must be Basic (user:password) or Bearer (an API key)");
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
        }
        catch (FormatException)
        {
            return new Malformed("Authorization: Basic must be base64 of user:password");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 ? new Malformed("Authorization: Basic must be base64 of user:password") : new Basic(decoded[..colon], decoded[(colon + 1)..]);
    }
}
