using System.ComponentModel.DataAnnotations;

namespace Tasker.Silo.FrontEnd.Agents;

/// <summary>Executor agents' access. Bound from <c>Tasker:Agents</c>.</summary>
public sealed class AgentsOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Agents";

    /// <summary>
    /// Tokens that were printed as examples (the first docker-compose.yml shipped the first one as its default):
    /// anyone can read them, so a silo configured with one refuses to start.
    /// </summary>
    public static readonly IReadOnlySet<string> PublishedExamples = new HashSet<string>(StringComparer.Ordinal)
    {
        "change-me-agent-token-0123456789",
    };

    /// <summary>
    /// The bearer token agents present on pick, heartbeat, finish and release (<c>Tasker__Agents__Token</c>).
    /// Unset: the agents' routes answer 503 and no agent can work. At least 16 characters, not a published example.
    /// </summary>
    [MinLength(16)]
    public string? Token { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Token is { } token && (PublishedExamples.Contains(token.Trim()) || token.Trim().StartsWith("change-me", StringComparison.OrdinalIgnoreCase)))
        {
            yield return new ValidationResult(
                "Tasker:Agents:Token is a published example token, which anyone can read: set Tasker__Agents__Token to a random secret (e.g. openssl rand -hex 24).",
                [nameof(Token)]);
        }
    }
}
