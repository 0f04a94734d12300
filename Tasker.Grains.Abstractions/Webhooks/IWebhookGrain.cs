namespace Tasker;

/// <summary>The completion webhook of one task: its deliveries and their attempts. Keyed by the task id.</summary>
[Alias("tasker.IWebhookGrain")]
public interface IWebhookGrain : IGrainWithStringKey
{
    /// <summary>
    /// Called by the task grain once the task's final state is stored and its callback announces that end. At least once:
    /// a repeated call for the same end must not make a second delivery.
    /// </summary>
    [Alias("TaskEnded")]
    Task TaskEndedAsync(TaskEndNotice notice);
}

/// <summary>A task's end, as its webhook announces it: the task as it ended and where to announce it.</summary>
[GenerateSerializer, Immutable, Alias("tasker.TaskEndNotice")]
public sealed record TaskEndNotice([property: Id(0)] TaskSnapshot Task, [property: Id(1)] TaskCallback Callback);
