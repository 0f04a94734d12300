using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Tasker.Shell;
using Tasker.Silo.Auth;

namespace Tasker.Silo.FrontEnd.Shell;

/// <summary>
/// Decides whether a caller may submit shell tasks, which are remote code execution on the agents by design.
/// The one place this is decided: authentication, when it comes, replaces or extends this with "the user has the shell
/// permission" (docs/adr/013).
/// </summary>
public interface IShellSubmissionPolicy
{
    /// <summary>Null when <paramref name="context"/>'s caller may submit a shell task, else the 403 problem saying why and how to enable it.</summary>
    Problem<Status.Forbidden>? Refuse(HttpContext context);
}

/// <summary>
/// Shell tasks only when <c>Tasker:Shell:Enabled</c> is true; then, with authentication on, only for users with the
/// <c>shell</c> role and admins; without authentication, only while every address this server listens on is loopback, so that
/// only people on this machine can reach them.
/// </summary>
public sealed class LoopbackShellPolicy(IOptions<ShellOptions> options, IServer server, IConfiguration configuration, AuthMode auth) : IShellSubmissionPolicy
{
    public Problem<Status.Forbidden>? Refuse(HttpContext context)
    {
        if (!options.Value.Enabled)
        {
            return Forbidden("shell-disabled", "Shell tasks are disabled",
                "Shell tasks are off on this server: they run any command on the executor agents. An operator enables them with Tasker__Shell__Enabled=true.");
        }

        if (auth.Enabled)
        {
            // An admin may grant itself any role, so it holds them all.
            return context.User.IsInRole(UserRoles.Shell) || context.User.IsInRole(UserRoles.Admin)
                ? null
                : Forbidden("shell-role-required", "Shell tasks need the shell role",
                    $"Only users with the '{UserRoles.Shell}' role (and admins) may submit shell tasks; an admin grants it with PUT /users/{{name}} and roles [\"{UserRoles.Shell}\"].");
        }

        var exposed = Addresses().Where(address => !IsLoopback(address)).ToList();
        if (exposed.Count > 0)
        {
            return Forbidden("shell-needs-loopback", "Shell tasks need a loopback-only server",
                $"Shell tasks are refused because this server listens on {string.Join(", ", exposed)}, which is not loopback, and there is no authentication to tell who may run commands. Listen on loopback only (e.g. ASPNETCORE_URLS=http://127.0.0.1:5000) to use shell tasks.");
        }

        return null;
    }

    private IEnumerable<string> Addresses()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is { Count: > 0 })
        {
            return addresses;
        }

        // Before Kestrel has bound (or under a test server): what the configuration asks for.
        return (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static bool IsLoopback(string address)
    {
        var schemeEnd = address.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd < 0 ? address : address[(schemeEnd + 3)..];
        var host = rest.StartsWith('[') ? rest[1..Math.Max(1, rest.IndexOf(']', StringComparison.Ordinal))] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    private static Problem<Status.Forbidden> Forbidden(string code, string title, string detail) => Problems.Problem<Status.Forbidden>(StatusCodes.Status403Forbidden, title, code, detail);
}
