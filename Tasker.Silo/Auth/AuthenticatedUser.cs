using System.Security.Claims;

namespace Tasker.Silo.Auth;

/// <summary>A user whose credentials were verified: what a request needs to know about it.</summary>
public sealed record AuthenticatedUser(string Name, string Tier, IReadOnlyList<string> Roles)
{
    public const string TierClaim = "tasker:tier";

    public bool IsAdmin => Roles.Contains(UserRoles.Admin);

    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, Name), new(TierClaim, Tier) };
        claims.AddRange(Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>The grain-call caller of a request's user, or null when the request is anonymous.</summary>
    public static Caller? CallerOf(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, Name: { } name } ? new Caller(name, user.IsInRole(UserRoles.Admin), user.IsInRole(UserRoles.Shell)) : null;

    /// <summary>The tier of a signed-in request's user, else null.</summary>
    public static string? TierOf(ClaimsPrincipal user) => user.FindFirst(TierClaim)?.Value;
}
