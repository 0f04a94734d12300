namespace Tasker.Api;

/// <summary>A task's completion webhook: the URL Tasker POSTs to, and the ends it announces (succeeded, failed, cancelled).</summary>
public sealed record CallbackView(string Url, IReadOnlyList<string> Events);

/// <summary>The answer of <c>GET /tasks/{id}/deliveries</c>: the task's webhook delivery and its latest attempts.</summary>
/// <param name="Status"><c>none</c> (nothing to announce yet, or no callback), <c>pending</c>, <c>delivered</c>, <c>gone</c> (410), <c>gave-up</c> or <c>refused</c>.</param>
/// <param name="WebhookId">The <c>webhook-id</c> header of every try, the same each time; null while there is no delivery.</param>
/// <param name="AttemptCount">Attempts in all; <paramref name="Attempts"/> lists the latest 50, oldest first.</param>
public sealed record DeliveriesView(
    string TaskId,
    string? Url,
    string? EventType,
    string? WebhookId,
    string Status,
    DateTimeOffset? NextAttemptAt,
    int AttemptCount,
    IReadOnlyList<DeliveryAttemptView> Attempts);

/// <summary>One attempt: when, the receiver's status code (null when none came), how long it took, and the error when it failed.</summary>
public sealed record DeliveryAttemptView(DateTimeOffset At, int? StatusCode, int DurationMs, string? Error, string WebhookId);

/// <summary>A webhook secret just made: the only time it is shown. Receivers verify signatures with it.</summary>
public sealed record WebhookSecretView(string Client, string Secret, DateTimeOffset CreatedAt, DateTimeOffset? PreviousValidUntil);
