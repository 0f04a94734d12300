namespace Tasker.Tasks;

/// <summary>
/// The grain's parts of their own: the <see cref="ChunkDriver"/> that runs a long task's chunks; here is what the grain
/// lends it (<see cref="IChunkHost"/>) and the grain calls it answers.
/// </summary>
public sealed partial class TaskGrain : IChunkHost
{
    // Made on first use: a part holds the grain, which a field initializer cannot name.
    private ChunkDriver? _chunks;

    private ChunkDriver Chunks => _chunks ??= new ChunkDriver(this, handlers, options.Value.ChunkBudget, logger, TimeProvider.System);

    public Task InterruptAsync()
    {
        Chunks.Interrupt();
        return Task.CompletedTask;
    }

    /// <summary>Stops the driver and drops the activation, whose state is ahead of storage (docs/adr/014).</summary>
    private void Drop()
    {
        Chunks.Stop();
        DeactivateOnIdle();
    }

    string ITaskHost.Id => Id;

    TaskState ITaskHost.State => S;

    Task ITaskHost.CommitAsync() => CommitAsync();

    Task ITaskHost.ReleaseReminderAsync() => ReleaseReminderAsync();

    Task ITaskHost.AfterPhaseChangeAsync() => AfterPhaseChangeAsync();

    IGrainFactory IChunkHost.Grains => GrainFactory;

    IDisposable IChunkHost.RegisterTimer(Func<CancellationToken, Task> tick, GrainTimerCreationOptions options) =>
        this.RegisterGrainTimer(tick, options);

    Task IChunkHost.RecordProgressLineAsync() => RecordProgressLineAsync();

    Task IChunkHost.ReportEndToCacheAsync() => ReportToCacheOrDropAsync();
}
