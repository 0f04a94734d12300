namespace Tasker.Webhooks;

/// <summary>
/// A delivery's wake-ups live in the due store beside the tasks' (docs/adr/034, 036), under a prefixed key that no task
/// id can take, so that the same shards, reads and heartbeats bring a delivery back after a restart or a failover.
/// </summary>
public static class WebhookDue
{
    public const string Prefix = "webhook:";

    /// <summary>The due store's key of <paramref name="taskId"/>'s delivery.</summary>
    public static string Key(string taskId) => Prefix + taskId;

    /// <summary>The task id of a delivery's key, or null for a task's own entry.</summary>
    public static string? TaskIdOf(string key) => key.StartsWith(Prefix, StringComparison.Ordinal) ? key[Prefix.Length..] : null;
}
