using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Tasker.Silo.Auth;

/// <summary>
/// Checks presented credentials against the user grains. A password hash is slow by design, so a successful
/// verification is remembered for <see cref="AuthOptions.CacheTtl"/> on this silo, under a SHA-256 of the
/// credentials (never the credentials). Failures are not remembered. A changed password, a revoked key or a
/// deleted user takes effect on every silo within that time. Guessing is slowed down by <see cref="SignInThrottle"/>,
/// and password hashes are bounded by <see cref="PasswordChecks"/> (docs/adr/031).
/// </summary>
public sealed class CredentialVerifier(
    IGrainFactory grains, IMemoryCache cache, SignInThrottle throttle, PasswordChecks passwords, IOptions<AuthOptions> options)
{
    /// <summary>How long a sign-in refused for too many password checks at once is told to wait.</summary>
    public static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);

    private static readonly Lazy<string> _decoyHash = new(() => Passwords.Hash("decoy", Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));

    /// <summary>Checks the credentials presented from <paramref name="address"/> (the client's, after trusted proxies).</summary>
    public async Task<Verification> VerifyAsync(PresentedCredentials credentials, System.Net.IPAddress? address, CancellationToken cancellationToken = default)
    {
        var cacheKey = CacheKey(credentials);
        if (cache.TryGetValue(cacheKey, out AuthenticatedUser? known) && known is not null)
        {
            return new Verification.SignedIn(known);
        }

        var addressKey = SignInThrottle.AddressKey(address);
        if (throttle.TakeAddressAllowance(addressKey) is { } wait)
        {
            return new Verification.Throttled(wait);
        }

        Verification outcome;
        try
        {
            outcome = credentials switch
            {
                PresentedCredentials.Basic basic => await VerifyPasswordAsync(basic.User, basic.Password, cancellationToken),
                PresentedCredentials.ApiKey key => await VerifyKeyAsync(key.Key) is { } user ? new Verification.SignedIn(user) : Verification.Wrong,
                _ => Verification.Wrong,
            };
        }
        catch
        {
            // Not checked (the cluster could not answer, or the caller left): not a failed sign-in, or an outage would
            // throttle every client that signs in during it.
            throttle.GiveBackAddressAllowance(addressKey);
            throw;
        }

        if (outcome is not Verification.Invalid)
        {
            throttle.GiveBackAddressAllowance(addressKey);
        }

        if (outcome is Verification.SignedIn signedIn && options.Value.CacheTtl > TimeSpan.Zero)
        {
            cache.Set(cacheKey, signedIn.User, options.Value.CacheTtl);
        }

        return outcome;
    }

    private async Task<Verification> VerifyPasswordAsync(string name, string password, CancellationToken cancellationToken)
    {
        // Only names that can exist are paced: they are short, so a flood of long made-up names cannot fill memory.
        var valid = ClientNames.IsValid(name);
        var paced = valid && await throttle.PaceUserAsync(name, cancellationToken);
        UserSnapshot? user;
        bool? matches;
        try
        {
            user = valid ? await grains.GetGrain<IUserGrain>(name).GetAsync() : null;

            // An unknown name is checked against a decoy hash, as slow as a wrong password, so that the time taken does
            // not tell which user names exist; it waits for a hashing slot like any other check.
            matches = await passwords.VerifyAsync(name, user?.PasswordHash ?? _decoyHash.Value, password, cancellationToken);
        }
        catch when (paced)
        {
            throttle.GiveBackUserAllowance(name); // Not checked: not the user's failure.
            throw;
        }

        var outcome = matches switch
        {
            null => new Verification.Busy(BusyRetryAfter),
            true when user?.PasswordHash is not null => new Verification.SignedIn(From(user)),
            _ => Verification.Wrong,
        };
        if (paced && outcome is not Verification.Invalid)
        {
            throttle.GiveBackUserAllowance(name);
        }

        return outcome;
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

/// <summary>What checking credentials came to.</summary>
public abstract record Verification
{
    /// <summary>The credentials are wrong (an unknown user, a wrong password or key).</summary>
    public static readonly Verification Wrong = new Invalid();

    private Verification()
    {
    }

    /// <summary>The credentials sign in this user.</summary>
    public sealed record SignedIn(AuthenticatedUser User) : Verification;

    /// <summary>The credentials are wrong.</summary>
    public sealed record Invalid : Verification;

    /// <summary>Not checked: the client's address failed too often lately.</summary>
    public sealed record Throttled(TimeSpan RetryAfter) : Verification;

    /// <summary>Not checked: the silo is checking as many passwords as it may.</summary>
    public sealed record Busy(TimeSpan RetryAfter) : Verification;
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
