namespace Tasker.Webhooks;

/// <summary>The persisted delivery of one task's completion webhook (docs/adr/036). Bounded: one body, at most 50 attempts.</summary>
[GenerateSerializer, Alias("tasker.WebhookState")]
public sealed class WebhookState
{
    [Id(0)] public bool Exists { get; set; }
    /// <summary>The task's client: whose secret signs, and who may read the deliveries.</summary>
    [Id(1)] public string Client { get; set; } = "";
    [Id(2)] public string Url { get; set; } = "";
    /// <summary><c>task.succeeded</c>, <c>task.failed</c> or <c>task.cancelled</c>.</summary>
    [Id(3)] public string EventType { get; set; } = "";
    /// <summary>The same on every try and every redelivery of this task's end (receivers deduplicate by it).</summary>
    [Id(4)] public string WebhookId { get; set; } = "";
    /// <summary>The JSON body, made once at the task's end, so that every try sends the same message.</summary>
    [Id(5)] public string Body { get; set; } = "";
    /// <summary>Which end of the task this delivery announces (its phase and end time): a repeated notice of it is ignored.</summary>
    [Id(6)] public string EndKey { get; set; } = "";
    [Id(7)] public WebhookDeliveryStatus Status { get; set; }
    /// <summary>When the retry window opened (the first attempt, or a redelivery).</summary>
    [Id(8)] public DateTimeOffset WindowStart { get; set; }
    /// <summary>When the next attempt is due while pending.</summary>
    [Id(9)] public DateTimeOffset? NextAttemptAt { get; set; }
    /// <summary>Attempts since the window opened, for the backoff.</summary>
    [Id(10)] public int WindowAttempts { get; set; }
    /// <summary>Attempts in all.</summary>
    [Id(11)] public int AttemptCount { get; set; }
    /// <summary>The latest attempts, oldest first; at most <see cref="WebhookOptions.MaxAttemptsKept"/>.</summary>
    [Id(12)] public List<WebhookAttemptState> Attempts { get; set; } = [];
    /// <summary>When an ended delivery's record is cleared.</summary>
    [Id(13)] public DateTimeOffset? ForgetAt { get; set; }
}

/// <summary>One attempt, as stored.</summary>
[GenerateSerializer, Alias("tasker.WebhookAttemptState")]
public sealed record WebhookAttemptState(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] int? StatusCode,
    [property: Id(2)] int DurationMs,
    [property: Id(3)] string? Error,
    [property: Id(4)] string WebhookId)
{
    public WebhookAttempt ToWire() => new(At, StatusCode, DurationMs, Error, WebhookId);
}

/// <summary>The persisted webhook secrets of one client name, sealed by Data Protection (never in plain text).</summary>
[GenerateSerializer, Alias("tasker.WebhookSecretState")]
public sealed class WebhookSecretState
{
    [Id(0)] public string? Current { get; set; }
    [Id(1)] public DateTimeOffset CreatedAt { get; set; }
    [Id(2)] public string? Previous { get; set; }
    /// <summary>Until when <see cref="Previous"/> still signs.</summary>
    [Id(3)] public DateTimeOffset PreviousUntil { get; set; }
}
