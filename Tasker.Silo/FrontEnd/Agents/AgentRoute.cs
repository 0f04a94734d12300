namespace Tasker.Silo.FrontEnd.Agents;

/// <summary>
/// Marks the executor agents' routes. Agents are not users: their bearer token is the agent token, which
/// <see cref="AgentTokenFilter"/> checks, so user authentication leaves these routes alone (it would read the token
/// as a wrong API key and count it as a failed sign-in).
/// </summary>
public sealed class AgentRoute
{
    public static readonly AgentRoute Instance = new();

    private AgentRoute()
    {
    }
}
