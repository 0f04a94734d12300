using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StandardWebhooks;
using Tasker.Secrets;
using Tasker.Webhooks;

namespace Tasker.Silo.Webhooks;

/// <summary>
/// Sends one attempt of a delivery (docs/adr/036): signed with the client's secret by the StandardWebhooks library
/// (<c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature: v1,...</c>, one signature per secret in force),
/// over a connection made only to an address that was checked when it was resolved (<see cref="Connect"/>), with no
/// redirect followed and the answer's body left unread.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory httpClients, ISecretProtector protector, IOptions<WebhookOptions> options, TimeProvider clock)
    : IWebhookSender
{
    public const string HttpClientName = "tasker-webhooks";

    public async Task<WebhookSendOutcome> SendAsync(WebhookMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (WebhookUrls.Refusal(message.Url, settings.AllowPrivate) is { } refusal)
        {
            return new WebhookSendOutcome(null, "callback.url " + refusal, Refused: true);
        }

        string signature;
        try
        {
            // Data Protection may read its key ring synchronously (from the database): off the grain's turn.
            var secrets = await Task.Run(() => Open(message.Keys), cancellationToken);
            var timestamp = clock.GetUtcNow();
            signature = string.Join(' ', secrets.Select(secret => new StandardWebhook(secret).Sign(message.WebhookId, timestamp, message.Body)));
            return await PostAsync(message, timestamp, signature, settings.Timeout, cancellationToken);
        }
        catch (CryptographicException)
        {
            return new WebhookSendOutcome(null, "the webhook secret cannot be opened (its key ring is gone): make a new one");
        }
    }

    private async Task<WebhookSendOutcome> PostAsync(WebhookMessage message, DateTimeOffset timestamp, string signature, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, message.Url)
        {
            Content = new StringContent(message.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("webhook-id", message.WebhookId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", signature);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            var code = (int)response.StatusCode;
            return new WebhookSendOutcome(code, response.IsSuccessStatusCode ? null : $"the receiver answered {code} {response.ReasonPhrase}".TrimEnd());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookSendOutcome(null, $"no answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException exception) when (RefusedIn(exception) is { } refused)
        {
            return new WebhookSendOutcome(null, refused.Message, Refused: true);
        }
        catch (HttpRequestException exception)
        {
            return new WebhookSendOutcome(null, exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message);
        }
    }

    private string[] Open(WebhookSigningKeys keys) =>
        keys.Previous is { } previous ? [protector.Unprotect(keys.Current), protector.Unprotect(previous)] : [protector.Unprotect(keys.Current)];

    private static WebhookAddressRefusedException? RefusedIn(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is WebhookAddressRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    /// <summary>
    /// The handler's connect step: resolves the host now, keeps only the addresses a webhook may reach (all of them when
    /// private ones are allowed), and connects to those, so that the address checked is the address used (DNS cannot
    /// answer differently between the check and the connection).
    /// </summary>
    public static async ValueTask<Stream> Connect(
        SocketsHttpConnectionContext context, IWebhookResolver resolver, bool allowPrivate, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = await resolver.ResolveAsync(host, cancellationToken);
        var allowed = allowPrivate ? addresses : [.. addresses.Where(a => WebhookAddresses.Refusal(a) is null)];
        if (allowed.Length == 0)
        {
            throw new WebhookAddressRefusedException(addresses.Length == 0
                ? $"{host} resolves to no address"
                : $"{host} resolves to {addresses[0]}, a {WebhookAddresses.Refusal(addresses[0])} address; webhooks go to public addresses only (Tasker:Webhooks:AllowPrivate lifts this for tests and local use)");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>The envelope of a delivery's body, by the Standard Webhooks convention.</summary>
public sealed record WebhookEvent(string Type, DateTimeOffset Timestamp, Tasker.Api.TaskView Data);
