using Orleans.Concurrency;

namespace Tasker.Shell;

/// <summary>
/// The queue of shell tasks waiting for an agent, by priority, then fairly between clients, then age, and the deadlines of the leased ones.
/// Holds ids, never payloads; bounded. Single instance, key 0.
/// </summary>
[Alias("tasker.IShellQueueGrain")]
public interface IShellQueueGrain : IGrainWithIntegerKey
{
    /// <summary>Queues a task (again); false when the queue is at its bound and refuses it.</summary>
    [Alias("Enqueue")]
    Task<bool> EnqueueAsync(string taskId, TaskPriority priority, DateTimeOffset createdAt, string client);

    /// <summary>Queues a leased task again at once (its agent released it). One-way: a task never waits on the queue.</summary>
    [Alias("Return"), OneWay]
    Task ReturnAsync(string taskId, TaskPriority priority, DateTimeOffset createdAt, string client);

    /// <summary>Leases the first queued task to <paramref name="agent"/>; null when none is queued.</summary>
    [Alias("Pick")]
    Task<ShellLeaseGrant?> PickAsync(string agent);

    /// <summary>
    /// Leases the first queued task to <paramref name="agent"/> while its current command still runs, so that the
    /// next one starts without a round trip; null when none is queued or another agent waits for one (docs/adr/039).
    /// </summary>
    [Alias("PickAhead")]
    Task<ShellLeaseGrant?> PickAheadAsync(string agent);

    /// <summary>Waits up to <paramref name="timeout"/> until something is queued; true when something is.</summary>
    [Alias("WaitForWork"), AlwaysInterleave] // Waits without holding the queue; it reads one count.
    Task<bool> WaitForWorkAsync(TimeSpan timeout);

    /// <summary>Forgets a task that ended or was cancelled (queued or leased).</summary>
    [Alias("Forget"), OneWay]
    Task ForgetAsync(string taskId);

    /// <summary>Notes that an agent called, and what it holds.</summary>
    [Alias("Seen"), OneWay]
    Task SeenAsync(string agent, string? currentTaskId);

    /// <summary>The agents heard from recently, most recent first, and how many tasks wait.</summary>
    [Alias("Agents"), ReadOnly]
    Task<ShellQueueView> ViewAsync();
}

/// <summary>The queue as shown to people: waiting and leased counts, and the agents.</summary>
[GenerateSerializer, Immutable, Alias("tasker.ShellQueueView")]
public sealed record ShellQueueView(
    [property: Id(0)] int Queued,
    [property: Id(1)] int Leased,
    [property: Id(2)] IReadOnlyList<AgentSighting> Agents);
