using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Tasker.Handlers;
using Tasker.Shell;
using Tasker.Storage;

namespace Tasker.Tasks;

/// <summary>
/// One task. Short types finish inside <see cref="SubmitAsync"/> with a single write. Long types run in chunks
/// on a grain timer, write a checkpoint after each chunk, and hold a reminder while running so that a silo's
/// death only delays them: the reminder (or any call) reactivates the grain elsewhere and it goes on from the
/// checkpoint.
/// Placed on the silo that receives the request (prefer-local), so a submission costs no hop between silos.
/// This file holds the task's state, its activation, and the commit that stores and then publishes it; each other
/// <c>TaskGrain.*.cs</c> file holds one job (submission, commands, reads, reminders, expiry, flows, the cache, slots...).
/// </summary>
[PreferLocalPlacement]
[CollectionAgeLimit(Minutes = 2)] // An idle task's activation goes soon: its state is stored, and ended tasks are many (docs/adr/020).
public sealed partial class TaskGrain(
    [PersistentState(TaskGrain.StateName, TaskerStorage.Name)] IPersistentState<TaskState> state,
    TaskHandlerRegistry handlers,
    InstantTasks instantTasks,
    TaskActivations activations,
    IGrainContext grainContext,
    IOptions<TaskerOptions> options,
    IOptions<ShellOptions> shellOptions,
    Due.IDueStore dueStore,
    TimeProvider clock,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain, IRemindable
{
    /// <summary>The name the task's state is stored under (<see cref="InstantTasks"/> writes it too).</summary>
    public const string StateName = "task";

    // Counted from construction, before the state is read: the sweep must not change a state an activation may hold.
    private readonly string _activationId = activations.Enter(grainContext.GrainId.Key.ToString());

    private bool _countedRunning;
    private bool _countedQueued;
    private TaskSnapshot? _published;
    private TaskCompletionSource _changed = NewSignal();

    private TaskState S => state.State;

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Exists)
        {
            _published = ToSnapshot();
            _storedChildren = S.Children.Count;
            if (S.Phase == TaskPhase.Running && !RunsOnAgent) // A running shell task runs on its agent, not here.
            {
                TaskGrainLog.Resumed(logger, Id, S.Client, S.Checkpoint.Position);
                Chunks.Start();
            }

            SyncGauges(active: true);
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Chunks.Stop();
        SyncGauges(active: false);
        activations.Leave(_activationId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Writes the state, then publishes it to readers and watchers (never the other way round). When the write
    /// fails, this activation's state can no longer be trusted (an ETag conflict means another activation of this
    /// task committed): it stops and deactivates, and the next call or reminder reads the stored state afresh.
    /// <paramref name="visible"/> false for bookkeeping no view shows (the end's notices sent): the version stays, so
    /// watchers see no change and a webhook's copy of the task stays the task as it is read.
    /// </summary>
    private async Task CommitAsync(bool visible = true)
    {
        await ArmEndNoticesAsync();
        if (visible)
        {
            S.Version++;
        }

        await state.WriteOrDropAsync(Drop);

        _storedChildren = S.Children.Count;
        _published = ToSnapshot();
        Signal();
        TellShardOfDueEntry();
        SendEndNoticesSoon();
        if (S.Phase == TaskPhase.Running)
        {
            Chunks.Start();
        }

        SyncGauges(active: true);
    }

    /// <summary>Keeps this activation's contribution to the running and queued gauges in step with its phase.</summary>
    private void SyncGauges(bool active)
    {
        var running = active && S.Exists && S.Phase == TaskPhase.Running;
        var queued = active && S.Exists && S.Phase == TaskPhase.Queued;
        if (running != _countedRunning)
        {
            TaskMetrics.Running(S.Type, running ? 1 : -1);
            _countedRunning = running;
        }

        if (queued != _countedQueued)
        {
            TaskMetrics.Queued(S.Type, queued ? 1 : -1);
            _countedQueued = queued;
        }
    }

    private void Signal()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TaskSnapshot ToSnapshot() => S.ToSnapshot(Id);
}
