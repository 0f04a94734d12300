namespace Tasker;

/// <summary>The completion webhook of one task: its delivery and that delivery's attempts (docs/adr/036). Keyed by the task id.</summary>
[Alias("tasker.IWebhookGrain")]
public interface IWebhookGrain : IGrainWithStringKey
{
    /// <summary>
    /// Called by the task grain once the task's final state is stored and its callback announces that end. At least once:
    /// a repeated call for the same end makes no second delivery.
    /// </summary>
    [Alias("TaskEnded")]
    Task TaskEndedAsync(TaskEndNotice notice);

    /// <summary>
    /// Called by the due shard when the delivery's stored wake-up falls due (an attempt, or the record's expiry). True when
    /// the entry was taken; the grain keeps its own next entry.
    /// </summary>
    [Alias("Due")]
    Task<bool> DueAsync(DateTimeOffset dueAt);

    /// <summary>The delivery and its attempts, newest last; null when there is none or it is not the caller's.</summary>
    [Alias("GetDeliveries"), Orleans.Concurrency.AlwaysInterleave] // Not held up by an attempt that waits for its receiver.
    Task<WebhookDeliveries?> GetDeliveriesAsync();

    /// <summary>
    /// Sends the delivery again now, with the same <c>webhook-id</c>, and retries it as a new one (its window starts
    /// again); null when there is none or it is not the caller's.
    /// </summary>
    [Alias("Redeliver")]
    Task<WebhookDeliveries?> RedeliverAsync();
}

/// <summary>A task's end, as its webhook announces it: the task as it ended and where to announce it.</summary>
[GenerateSerializer, Immutable, Alias("tasker.TaskEndNotice")]
public sealed record TaskEndNotice([property: Id(0)] TaskSnapshot Task, [property: Id(1)] TaskCallback Callback);

/// <summary>What a delivery is doing.</summary>
[GenerateSerializer, Alias("tasker.WebhookDeliveryStatus")]
public enum WebhookDeliveryStatus
{
    /// <summary>Not delivered yet: an attempt is running or is due.</summary>
    Pending = 0,
    /// <summary>The receiver answered 2xx.</summary>
    Delivered = 1,
    /// <summary>The receiver answered 410 Gone: it wants no more.</summary>
    Gone = 2,
    /// <summary>Every attempt failed until the retry window closed.</summary>
    GaveUp = 3,
    /// <summary>The URL was refused before sending (not https, or its host resolved to a private address).</summary>
    Refused = 4,
}

/// <summary>A task's webhook delivery, as <c>GET /tasks/{id}/deliveries</c> shows it.</summary>
/// <param name="Attempts">The latest attempts, oldest first (the oldest are dropped beyond a cap).</param>
/// <param name="AttemptCount">Attempts made in all, also those no longer listed.</param>
[GenerateSerializer, Immutable, Alias("tasker.WebhookDeliveries")]
public sealed record WebhookDeliveries(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string Client,
    [property: Id(2)] string Url,
    [property: Id(3)] string EventType,
    [property: Id(4)] string WebhookId,
    [property: Id(5)] WebhookDeliveryStatus Status,
    [property: Id(6)] DateTimeOffset? NextAttemptAt,
    [property: Id(7)] int AttemptCount,
    [property: Id(8)] IReadOnlyList<WebhookAttempt> Attempts);

/// <summary>One attempt to deliver: when, what the receiver answered (null when no answer came), how long it took, and why it failed.</summary>
[GenerateSerializer, Immutable, Alias("tasker.WebhookAttempt")]
public sealed record WebhookAttempt(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] int? StatusCode,
    [property: Id(2)] int DurationMs,
    [property: Id(3)] string? Error,
    [property: Id(4)] string WebhookId);
