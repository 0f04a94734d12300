using System.ComponentModel.DataAnnotations;

namespace Tasker.Chat;

/// <summary>
/// The OpenAI-compatible chat endpoint behind the <c>chat</c> and <c>conversation</c> task types, and the limits on
/// what those tasks may ask. Bound from the <c>Tasker:Chat</c> configuration section, validated at start.
/// </summary>
public sealed class ChatOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Chat";

    /// <summary>The API's base URL; requests go to <c>{BaseUrl}/chat/completions</c>. Default <c>https://api.openai.com/v1</c>.</summary>
    [Required]
    public string BaseUrl { get; set; } = "https://api.openai.com/v1";

    /// <summary>The model asked for. Default <c>gpt-4o-mini</c>.</summary>
    [Required]
    [MinLength(1)]
    public string Model { get; set; } = "gpt-4o-mini";

    /// <summary>
    /// The key used when a request brings no <c>api_key</c> of its own. Unset by default: then every request must bring one.
    /// Never shown or logged.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one attempt may take before it is abandoned (and retried). Default 30 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one call may take with all its retries. Default 90 s.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Retries after a timeout, a 408, a 429 or a 5xx (a 401 is never retried). Default 3.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay; later ones back off exponentially, with jitter, or follow Retry-After. Default 2 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest <c>n</c> of a conversation task. Default 50.</summary>
    [Range(1, 1_000)]
    public int MaxConversationTurns { get; set; } = 50;

    /// <summary>Longest <c>question</c> of a chat task or <c>topic</c> of a conversation, in characters. Default 4,000.</summary>
    [Range(1, 100_000)]
    public int MaxPromptLength { get; set; } = 4_000;

    /// <summary>A chat answer longer than this many characters is cut (and ends with "…"). Default 16,000.</summary>
    [Range(100, 1_000_000)]
    public int MaxAnswerLength { get; set; } = 16_000;

    /// <summary>
    /// A conversation turn longer than this many characters is cut before it is stored and sent on, which bounds the
    /// transcript kept in the task's checkpoint. Default 2,000.
    /// </summary>
    [Range(100, 100_000)]
    public int MaxTurnLength { get; set; } = 2_000;

    /// <summary>The chat-completions endpoint: <see cref="BaseUrl"/> with <c>/chat/completions</c> appended.</summary>
    public Uri CompletionsUri => new(BaseUrl.TrimEnd('/') + "/chat/completions", UriKind.Absolute);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult("Tasker:Chat:BaseUrl must be an absolute http or https URL.", [nameof(BaseUrl)]);
        }

        if (AttemptTimeout < TimeSpan.FromMilliseconds(100) || AttemptTimeout > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult("Tasker:Chat:AttemptTimeout must be between 100 ms and 10 minutes.", [nameof(AttemptTimeout)]);
        }

        if (TotalTimeout < AttemptTimeout || TotalTimeout > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Tasker:Chat:TotalTimeout must be at least AttemptTimeout and at most 1 hour.", [nameof(TotalTimeout)]);
        }

        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Tasker:Chat:RetryDelay must be between 0 and 1 minute.", [nameof(RetryDelay)]);
        }

        if (ApiKey is { Length: > 0 } key && !ChatApiKey.IsWellFormed(key))
        {
            yield return new ValidationResult("Tasker:Chat:ApiKey must be printable ASCII without spaces.", [nameof(ApiKey)]);
        }
    }
}
