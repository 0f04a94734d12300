namespace Tasker.Webhooks;

/// <summary>
/// Sends one signed attempt of a delivery (docs/adr/036). The host implements it (Tasker.Silo/Webhooks): it signs by the
/// Standard Webhooks convention, refuses private addresses unless allowed, and connects to the address it checked.
/// </summary>
public interface IWebhookSender
{
    /// <summary>One attempt; never throws for what the receiver or the network did, which the outcome says.</summary>
    Task<WebhookSendOutcome> SendAsync(WebhookMessage message, CancellationToken cancellationToken);
}

/// <summary>Makes a delivery's body from the task as it ended (the host's task view, as <c>GET /tasks/{id}</c> shows it).</summary>
public interface IWebhookBodies
{
    /// <summary>The JSON body <c>{"type":..,"timestamp":..,"data":{task view}}</c>, at most <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    string Render(TaskSnapshot task, string eventType, DateTimeOffset timestamp, int maxBytes);
}

/// <summary>One attempt to send: where, the message id, the body, and the sealed secrets that sign it.</summary>
public sealed record WebhookMessage(string Url, string WebhookId, string Body, WebhookSigningKeys Keys);

/// <summary>What one attempt got: the receiver's status code (null when none came), or why it was not sent.</summary>
/// <param name="Refused">True when the URL was refused before any byte went out (a private address, a bad scheme): not retried.</param>
public sealed record WebhookSendOutcome(int? StatusCode, string? Error, bool Refused = false)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}
