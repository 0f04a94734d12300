using System.ComponentModel.DataAnnotations;

namespace Tasker.Silo.FrontEnd.Agents;

/// <summary>Executor agents' access. Bound from <c>Tasker:Agents</c>.</summary>
public sealed class AgentsOptions
{
    public const string SectionName = "Tasker:Agents";

    /// <summary>
    /// The bearer token agents present on pick, heartbeat, finish and release (<c>Tasker__Agents__Token</c>).
    /// Unset: the agents' routes answer 503 and no agent can work. At least 16 characters.
    /// </summary>
    [MinLength(16)]
    public string? Token { get; set; }
}
