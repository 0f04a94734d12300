using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Tasker.Silo.FrontEnd.Agents;

/// <summary>
/// Lets a request through to an agents' route only with <c>Authorization: Bearer &lt;Tasker:Agents:Token&gt;</c>:
/// 503 when no token is configured, 401 when it is missing or wrong.
/// </summary>
public sealed class AgentTokenFilter(IOptions<AgentsOptions> options) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (options.Value.Token is not { Length: > 0 } token)
        {
            return ValueTask.FromResult<object?>(Problems.Problem<Status.Unavailable>(StatusCodes.Status503ServiceUnavailable, "No agent token configured", "agents-not-configured",
                "Executor agents cannot work with this server: no agent token is configured. Set Tasker__Agents__Token (at least 16 characters) on the silos and give the same token to the agents."));
        }

        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
        if (presented is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token)))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"tasker-agents\"";
            return ValueTask.FromResult<object?>(Problems.Problem<Status.Unauthorized>(StatusCodes.Status401Unauthorized, "Agent token required", "agent-token-invalid",
                presented is null
                    ? "This route is for executor agents: send Authorization: Bearer <the agent token> (Tasker__Agents__Token)."
                    : "The agent token is not the one configured (Tasker__Agents__Token)."));
        }

        return next(context);
    }
}
