using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Tasker.Chat;

/// <summary>One message of a chat: <c>system</c>, <c>user</c> or <c>assistant</c>, and its text.</summary>
public sealed record ChatMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content)
{
    public static ChatMessage System(string content) => new("system", content);

    public static ChatMessage User(string content) => new("user", content);
}

/// <summary>What a chat call gave: the model's reply, or why there is none (fit to show a user; never holds a key).</summary>
public sealed record ChatReply(string? Text, string? Failure)
{
    public static ChatReply Answered(string text) => new(text, null);

    public static ChatReply Failed(string failure) => new(null, failure);
}

/// <summary>
/// Calls an OpenAI-compatible <c>POST {BaseUrl}/chat/completions</c> through the named HTTP client, whose standard
/// resilience handler times each attempt out and retries timeouts, 408, 429 and 5xx. Every way a call can go wrong
/// ends as a <see cref="ChatReply.Failure"/>, except the caller's own cancellation, which is thrown.
/// </summary>
public sealed class ChatClient(IHttpClientFactory httpClients, IOptions<ChatOptions> options)
{
    /// <summary>The name of the HTTP client (and its resilience pipeline) registered for chat calls.</summary>
    public const string HttpClientName = "tasker-chat";

    /// <summary>The failure reason for a key the endpoint refuses.</summary>
    public const string InvalidApiKey = "invalid API key";

    private const int MaxDetailLength = 300;

    /// <summary>Sends the messages with <paramref name="apiKey"/> as the bearer token and returns the first choice's text.</summary>
    public async Task<ChatReply> CompleteAsync(string apiKey, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.CompletionsUri)
        {
            Content = JsonContent.Create(new CompletionRequest(settings.Model, messages)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                return ChatReply.Failed(InvalidApiKey);
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode
                ? ReadAnswer(body)
                : ChatReply.Failed(DescribeRefusal(response, body, apiKey, settings.MaxRetries));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException timeout)
        {
            return ChatReply.Failed($"the chat endpoint timed out after {Seconds(timeout.Timeout)} s");
        }
        catch (OperationCanceledException)
        {
            // Not ours and not the pipeline's: the HttpClient's own time limit.
            return ChatReply.Failed($"the chat endpoint timed out after {Seconds(settings.TotalTimeout)} s");
        }
        catch (BrokenCircuitException)
        {
            return ChatReply.Failed("the chat endpoint keeps failing, so calls to it are held off for a while; try again later");
        }
        catch (HttpRequestException failure)
        {
            return ChatReply.Failed($"could not reach the chat endpoint: {Scrub(failure.Message, apiKey)}");
        }
    }

    private static ChatReply ReadAnswer(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("choices", out var choices)
                && choices.ValueKind == JsonValueKind.Array
                && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("message", out var message)
                && message.TryGetProperty("content", out var content)
                && content.ValueKind == JsonValueKind.String)
            {
                return ChatReply.Answered(content.GetString() ?? "");
            }
        }
        catch (JsonException)
        {
            // Falls through to the failure below.
        }

        return ChatReply.Failed("the chat endpoint answered without a message (not an OpenAI chat-completions response)");
    }

    /// <summary>"answered 429 (Too Many Requests) after 4 attempts: {the endpoint's own message}".</summary>
    private static string DescribeRefusal(HttpResponseMessage response, string body, string apiKey, int maxRetries)
    {
        var status = (int)response.StatusCode;
        var retried = (status is 408 or 429 or >= 500) && maxRetries > 0
            ? $" after {(maxRetries + 1).ToString(CultureInfo.InvariantCulture)} attempts"
            : "";
        var reason = string.IsNullOrEmpty(response.ReasonPhrase) ? "" : $" ({response.ReasonPhrase})";
        var detail = ErrorMessage(body) is { Length: > 0 } message ? ": " + Scrub(Shorten(message), apiKey) : "";
        return $"the chat endpoint answered {status.ToString(CultureInfo.InvariantCulture)}{reason}{retried}{detail}";
    }

    /// <summary>The <c>error.message</c> of an OpenAI error body, if there is one.</summary>
    private static string? ErrorMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String
                    ? message.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length <= MaxDetailLength ? text : text[..MaxDetailLength] + "…";

    /// <summary>Endpoints may quote the key back; it must not reach a task's error, which anyone may read.</summary>
    private static string Scrub(string text, string apiKey) => text.Replace(apiKey, "***", StringComparison.Ordinal);

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private sealed record CompletionRequest(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("messages")] IReadOnlyList<ChatMessage> Messages);
}
