using System.ComponentModel.DataAnnotations;

namespace Tasker.Silo.Auth;

/// <summary>Users and authentication. Bound from <c>Tasker:Auth</c> (<c>Tasker__Auth__Enabled</c>, ...).</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Auth";

    /// <summary>
    /// Whether every route but health, metrics and the API description needs a signed-in user. Default: false in
    /// embedded mode (which then listens on loopback only), true in cluster mode (false there is logged as a warning).
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>The first admin, created or repaired at start-up. Default "admin".</summary>
    public string AdminName { get; set; } = "admin";

    /// <summary>The first admin's password (at least 8 characters; empty is the same as unset); never logged.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>An API key for the first admin (at least 16 characters, accepted as given; empty is the same as unset); never logged.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>Creates the old system 003's users test:test (free), user1:user1 (paid), flashnot:zxc (paid, admin). Default false.</summary>
    public bool DemoUsers { get; set; }

    /// <summary>How long a silo trusts a successful verification of the same credentials. Default 30 seconds.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Origins browsers may call from (CORS). Default none: no cross-origin access. "*" is any origin, refused while
    /// authentication is off. Credentials travel in headers, never cookies.
    /// </summary>
    public string[]? CorsOrigins { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ClientNames.IsValid(AdminName))
        {
            yield return new ValidationResult($"Tasker:Auth:AdminName must be {ClientNames.Rule}.", [nameof(AdminName)]);
        }

        if (AdminPassword is { Length: > 0 } password && !Passwords.IsAcceptable(password))
        {
            yield return new ValidationResult($"Tasker:Auth:AdminPassword must be {Passwords.Rule}.", [nameof(AdminPassword)]);
        }

        if (AdminApiKey is { Length: > 0 } key && (key.Length is < 16 or > 200 || key.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult("Tasker:Auth:AdminApiKey must be 16 to 200 characters without spaces.", [nameof(AdminApiKey)]);
        }

        if (CacheTtl < TimeSpan.Zero || CacheTtl > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult("Tasker:Auth:CacheTtl must be between 0 and 10 minutes.", [nameof(CacheTtl)]);
        }

        if ((CorsOrigins ?? []).Any(o => o != "*" && !(Uri.TryCreate(o, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")))
        {
            yield return new ValidationResult("Tasker:Auth:CorsOrigins must be \"*\" or absolute http(s) origins.", [nameof(CorsOrigins)]);
        }
    }
}
