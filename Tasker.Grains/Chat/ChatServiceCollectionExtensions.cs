using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Tasker.Chat;

/// <summary>Registers the chat endpoint's client: options, the named HTTP client and its timeouts and retries.</summary>
public static class ChatServiceCollectionExtensions
{
    private const int MaxResponseBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Adds <see cref="ChatOptions"/> (bound from <c>Tasker:Chat</c>, validated at start) and <see cref="ChatClient"/>,
    /// whose HTTP client runs the standard resilience handler configured from those options.
    /// </summary>
    public static IServiceCollection AddTaskerChat(this IServiceCollection services)
    {
        services.AddValidatedOptions<ChatOptions>(ChatOptions.SectionName);
        services.AddSingleton<ChatClient>();

        services.AddHttpClient(ChatClient.HttpClientName, http =>
            {
                // The resilience handler owns time limits; the client's own 100 s default would cut a longer total short.
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.MaxResponseContentBufferSize = MaxResponseBytes;
            })
            .RedactLoggedHeaders(["Authorization"])
            .AddStandardResilienceHandler()
            .Configure((resilience, provider) => Apply(provider.GetRequiredService<IOptions<ChatOptions>>().Value, resilience));
        return services;
    }

    private static void Apply(ChatOptions chat, HttpStandardResilienceOptions resilience)
    {
        resilience.AttemptTimeout.Timeout = chat.AttemptTimeout;
        resilience.TotalRequestTimeout.Timeout = chat.TotalTimeout;
        resilience.Retry.Delay = chat.RetryDelay;
        if (chat.MaxRetries > 0)
        {
            resilience.Retry.MaxRetryAttempts = chat.MaxRetries;
        }
        else
        {
            resilience.Retry.MaxRetryAttempts = 1; // The least the strategy accepts; it never fires.
            resilience.Retry.ShouldHandle = _ => ValueTask.FromResult(false);
        }

        // The resilience options' own rule: the breaker samples at least two attempts' worth of time.
        var sampling = chat.AttemptTimeout * 2;
        if (resilience.CircuitBreaker.SamplingDuration < sampling)
        {
            resilience.CircuitBreaker.SamplingDuration = sampling;
        }
    }
}
