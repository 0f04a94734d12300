namespace Tasker.Tasks;

/// <summary>
/// The grain's parts of their own: the <see cref="ChunkDriver"/> that runs a long task's chunks, the
/// <see cref="CacheParticipation"/> of a cacheable one and the <see cref="ShellLeaseProtocol"/> of a shell task. They
/// decide and never commit: the grain applies their decisions and commits them in one place (<see cref="TaskSteps"/>).
/// Here is what the grain lends them (<see cref="IChunkHost"/>) and the work a decision's steps name (<see cref="ITaskEffects"/>).
/// </summary>
public sealed partial class TaskGrain : IChunkHost, ITaskEffects
{
    // Made on first use: a part holds the grain, which a field initializer cannot name.
    private ChunkDriver? _chunks;
    private CacheParticipation? _cache;
    private ShellLeaseProtocol? _leases;

    private ChunkDriver Chunks => _chunks ??= new ChunkDriver(this, handlers, options.Value.ChunkBudget, logger, clock);

    private ShellLeaseProtocol Leases => _leases ??= new ShellLeaseProtocol(Id, shellOptions.Value);

    private CacheParticipation Cache => _cache ??= new CacheParticipation(this, handlers, clock, key => GrainFactory.GetGrain<IResultCacheGrain>(key));

    public Task InterruptAsync()
    {
        Chunks.Interrupt();
        return Task.CompletedTask;
    }

    /// <summary>Stops the driver and drops the activation, whose state is ahead of storage (docs/adr/014).</summary>
    private void Drop()
    {
        _dropped = true;
        Chunks.Stop();
        DeactivateOnIdle();
    }

    // Set once this activation's state is known to be ahead of storage: calls it still takes must not act on it.
    private bool _dropped;

    /// <summary>The one place where a part's decision changes the task and is committed.</summary>
    private Task ApplyAsync(ITaskDecision decision) => TaskSteps.RunAsync(decision, this);

    string ITaskHost.Id => Id;

    TaskState ITaskHost.State => S;

    IGrainFactory IChunkHost.Grains => GrainFactory;

    IDisposable IChunkHost.RegisterTimer(GrainTimerCreationOptions options) =>
        this.RegisterGrainTimer(stopping => TaskSteps.RunNextChunkAsync(Chunks, this, logger, stopping), options);

    Task ITaskEffects.HoldReminderAsync() => HoldReminderAsync();

    Task ITaskEffects.BeginRunInSlotAsync() => BeginRunInSlotAsync();

    Task ITaskEffects.ReportEndToCacheAsync() => Cache.ReportEndAsync();

    Task<bool> ITaskEffects.RetryIfAllowedAsync() => RetryIfAllowedAsync();

    Task ITaskEffects.CommitAsync() => CommitAsync();

    Task ITaskEffects.ReleaseReminderAsync() => ReleaseReminderAsync();

    Task ITaskEffects.AfterPhaseChangeAsync() => AfterPhaseChangeAsync();

    Task ITaskEffects.RecordProgressLineAsync() => RecordProgressLineAsync();

    void ITaskEffects.Drop() => Drop();
}
