using Tasker.Api;

namespace Tasker.Client;

/// <summary>Completion webhooks: a task's deliveries, sending one again, and a client's signing secret.</summary>
public sealed partial class TaskerClient
{
    /// <summary>A task's webhook delivery and its latest attempts (<c>GET /tasks/{id}/deliveries</c>).</summary>
    /// <exception cref="TaskerApiException">404 for an unknown task (or another user's).</exception>
    public async Task<DeliveriesView> GetDeliveriesAsync(string id, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Resolve($"{TaskPath(id)}/deliveries"));
        return await SendAsync<DeliveriesView>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a task's webhook again now, with the same webhook-id (<c>POST /tasks/{id}/deliveries/redeliver</c>).</summary>
    /// <exception cref="TaskerApiException">404 for an unknown task; 409 when there is nothing to send yet.</exception>
    public async Task<DeliveriesView> RedeliverAsync(string id, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve($"{TaskPath(id)}/deliveries/redeliver"));
        return await SendAsync<DeliveriesView>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes or rotates a client's webhook secret (<c>POST /users/{name}/webhook-secret</c>); the answer is the only time it is shown.</summary>
    public async Task<WebhookSecretView> MakeWebhookSecretAsync(string name, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve($"users/{Uri.EscapeDataString(name)}/webhook-secret"));
        return await SendAsync<WebhookSecretView>(request, cancellationToken).ConfigureAwait(false);
    }
}
