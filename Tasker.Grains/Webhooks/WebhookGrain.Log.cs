using Microsoft.Extensions.Logging;

namespace Tasker.Webhooks;

internal static partial class WebhookGrainLog
{
    [LoggerMessage(2700, LogLevel.Debug, "Task {TaskId} of {Client} ended as {EventType}; its webhook is to be delivered as {WebhookId}")]
    public static partial void Accepted(ILogger logger, string taskId, string client, string eventType, string webhookId);

    [LoggerMessage(2701, LogLevel.Information, "Webhook {WebhookId} of task {TaskId} ({Client}) delivered: {StatusCode} after {Attempts} attempts")]
    public static partial void Delivered(ILogger logger, string webhookId, string taskId, string client, int? statusCode, int attempts);

    [LoggerMessage(2702, LogLevel.Information, "Webhook {WebhookId} of task {TaskId} ({Client}) failed attempt {Attempt} ({StatusCode}, {Error}); next at {NextAttemptAt}")]
    public static partial void Failed(ILogger logger, string webhookId, string taskId, string client, int attempt, int? statusCode, string? error, DateTimeOffset? nextAttemptAt);

    [LoggerMessage(2703, LogLevel.Information, "Webhook {WebhookId} of task {TaskId} ({Client}): the receiver answered 410 Gone; no more attempts")]
    public static partial void Gone(ILogger logger, string webhookId, string taskId, string client);

    [LoggerMessage(2704, LogLevel.Warning, "Webhook {WebhookId} of task {TaskId} ({Client}) given up after {Attempts} attempts: {Error}")]
    public static partial void GaveUp(ILogger logger, string webhookId, string taskId, string client, int attempts, string? error);

    [LoggerMessage(2705, LogLevel.Warning, "Webhook {WebhookId} of task {TaskId} ({Client}) refused before sending: {Error}")]
    public static partial void Refused(ILogger logger, string webhookId, string taskId, string client, string? error);

    [LoggerMessage(2707, LogLevel.Warning, "Webhook of task {TaskId} could not be attempted; its stored wake-up tries again")]
    public static partial void AttemptCrashed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(2708, LogLevel.Information, "Webhook {WebhookId} of task {TaskId} ({Client}) is sent again on request")]
    public static partial void Redelivering(ILogger logger, string webhookId, string taskId, string client);
}
