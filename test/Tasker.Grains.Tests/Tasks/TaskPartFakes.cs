using System.Text.Json;
using Tasker.Handlers;
using Tasker.Tasks;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>
/// The task grain as its parts see it (<see cref="IChunkHost"/>), with the grain's work that a decision's steps run
/// (<see cref="ITaskEffects"/>): it records that work in order, so that tests assert on the order of commit, report and
/// reminder without a cluster.
/// </summary>
internal sealed class RecordingTaskHost : IChunkHost, ITaskEffects
{
    private Timer? _timer;

    public List<string> Calls { get; } = [];

    public string Id => "task-under-test";

    public TaskState State { get; set; } = new()
    {
        Exists = true,
        Type = ScriptedChunks.TypeName,
        Client = "parts",
        Phase = TaskPhase.Running,
        Epoch = 1,
    };

    public IGrainFactory Grains => null!; // The scripted handler calls no grain.

    public int TimersRegistered { get; private set; }

    public bool TimerRunning => _timer is { Disposed: false };

    public Exception? CommitFailure { get; set; }

    public IDisposable RegisterTimer(GrainTimerCreationOptions options)
    {
        TimersRegistered++;
        return _timer = new Timer();
    }

    public Task CommitAsync()
    {
        Calls.Add("commit");
        return CommitFailure is { } failure ? Task.FromException(failure) : Task.CompletedTask;
    }

    public Task RecordProgressLineAsync() => Record("progress-line");

    /// <summary>What the report does beyond being recorded (the cache participation's report, in a test of it).</summary>
    public Func<Task>? Report { get; set; }

    // The phase is recorded with the report: the cache must hear of an end the task already holds.
    public async Task ReportEndToCacheAsync()
    {
        await Record("report:" + State.Phase.ToWire());
        if (Report is { } report)
        {
            await report();
        }
    }

    /// <summary>A task without a retry policy: the end stands. Recorded only when the run ended failed.</summary>
    public async Task<bool> RetryIfAllowedAsync()
    {
        if (State.Phase == TaskPhase.Failed)
        {
            await Record("retry?");
        }

        return false;
    }

    public Task ReleaseReminderAsync() => Record("release-reminder");

    public Task AfterPhaseChangeAsync() => Record("after-phase-change");

    public Exception? HoldReminderFailure { get; set; }

    public Task HoldReminderAsync() =>
        HoldReminderFailure is { } failure ? Task.FromException(failure) : Record("hold-reminder");

    public Task BeginRunInSlotAsync()
    {
        State.Phase = TaskPhase.Running; // As when the slots grant one.
        return Record("begin-run");
    }

    public void Drop() => Calls.Add("drop");

    private Task Record(string call)
    {
        Calls.Add(call);
        return Task.CompletedTask;
    }

    private sealed class Timer : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}

/// <summary>A chunked type whose chunks do what the test says.</summary>
internal sealed class ScriptedChunks(bool interruptible = false, bool cacheable = true) : IChunkedTaskHandler
{
    public const string TypeName = "scripted";

    public Func<ChunkContext, CancellationToken, Task<ChunkOutcome>> Next { get; set; } =
        (_, _) => throw new InvalidOperationException("the test gave no chunk");

    public int Runs { get; private set; }

    public string Type => TypeName;

    public string Description => "chunks scripted by a test";

    public bool Cacheable => cacheable;

    public bool Interruptible => interruptible;

    public IReadOnlyList<ParameterFact> Parameters => [];

    public ParameterCheck Validate(JsonElement parameters) => throw new NotSupportedException();

    public TaskProgress Plan(string parametersJson) => new(0, 10);

    public Task<ChunkOutcome> RunChunkAsync(ChunkContext context, CancellationToken cancellationToken)
    {
        Runs++;
        return Next(context, cancellationToken);
    }

    public TaskHandlerRegistry Registry() => new([this]);
}

/// <summary>A clock that moves only when told.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _now = TimeSpan.FromDays(1).Ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _now;

    public void Advance(TimeSpan by) => _now += by.Ticks;
}
