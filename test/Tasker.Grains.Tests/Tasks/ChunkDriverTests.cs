using Microsoft.Extensions.Logging.Abstractions;
using Tasker.Handlers;
using Tasker.Tasks;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>The chunk driver's ticks against a recording grain and scripted chunks, without a cluster.</summary>
public sealed class ChunkDriverTests
{
    private readonly RecordingTaskHost _host = new();
    private readonly ManualClock _clock = new();

    private ChunkDriver Driver(ScriptedChunks chunks) =>
        new(_host, chunks.Registry(), TimeSpan.FromMilliseconds(20), NullLogger.Instance, _clock);

    private static ChunkOutcome At(long position, string? result = null, string? error = null) =>
        new(new TaskCheckpoint(position), new TaskProgress(position, 10), result, error);

    /// <summary>Starts the driver and returns its tick as the grain's timer runs it: the driver decides, the grain applies.</summary>
    private Func<CancellationToken, Task> Started(ChunkDriver driver)
    {
        driver.Start();
        return _host.TimersRegistered > 0
            ? stopping => TaskSteps.RunNextChunkAsync(driver, _host, NullLogger.Instance, stopping)
            : throw new InvalidOperationException("the driver registered no timer");
    }

    [Fact]
    public async Task The_next_chunk_decides_a_checkpoint_and_changes_nothing_itself()
    {
        var chunks = new ScriptedChunks { Next = (_, _) => Task.FromResult(At(4)) };
        var driver = Driver(chunks);
        driver.Start();

        var decision = await driver.NextAsync(CancellationToken.None);

        Assert.Equal(At(4), decision?.Outcome);
        Assert.Equal([TaskStep.Change, TaskStep.Commit, TaskStep.RecordProgressLine], decision!.Steps);
        Assert.Equal(0, _host.State.Checkpoint.Position);
        Assert.Empty(_host.Calls);
        Assert.True(_host.TimerRunning);
    }

    [Fact]
    public async Task The_last_chunk_decides_the_end_reported_to_the_cache_before_its_commit_and_stops_the_timer()
    {
        var chunks = new ScriptedChunks { Next = (_, _) => Task.FromResult(At(10, result: "55")) };
        var driver = Driver(chunks);
        driver.Start();

        var decision = await driver.NextAsync(CancellationToken.None);

        Assert.Equal(
            [TaskStep.Change, TaskStep.ReportEndToCache, TaskStep.RetryIfAllowed, TaskStep.Commit, TaskStep.ReleaseReminder, TaskStep.AfterPhaseChange],
            decision!.Steps);
        Assert.Equal(TaskPhase.Running, _host.State.Phase);
        Assert.Empty(_host.Calls);
        Assert.False(_host.TimerRunning);

        decision.ApplyTo(_host.State);
        Assert.Equal(TaskPhase.Succeeded, _host.State.Phase);
        Assert.Equal("55", _host.State.ResultJson);
    }

    [Fact]
    public async Task A_chunk_of_a_task_paused_while_it_ran_decides_nothing()
    {
        var chunks = new ScriptedChunks { Next = (_, _) => { _host.State.Phase = TaskPhase.Paused; return Task.FromResult(At(5)); } };
        var driver = Driver(chunks);
        driver.Start();

        Assert.Null(await driver.NextAsync(CancellationToken.None));
        Assert.Empty(_host.Calls);
    }

    [Fact]
    public async Task A_chunk_that_does_not_finish_commits_its_checkpoint_then_refreshes_the_history_line()
    {
        var chunks = new ScriptedChunks { Next = (_, _) => Task.FromResult(At(4)) };

        await Started(Driver(chunks))(CancellationToken.None);

        Assert.Equal(["commit", "progress-line"], _host.Calls);
        Assert.Equal(4, _host.State.Checkpoint.Position);
        Assert.Equal(new ProgressState(4, 10), _host.State.Progress);
        Assert.Equal(TaskPhase.Running, _host.State.Phase);
        Assert.True(_host.TimerRunning);
    }

    [Fact]
    public async Task A_chunk_starts_from_the_stored_checkpoint_within_the_budget()
    {
        _host.State.Checkpoint = new TaskCheckpoint(7, "seen");
        ChunkContext? given = null;
        var chunks = new ScriptedChunks { Next = (context, _) => { given = context; return Task.FromResult(At(8)); } };

        await Started(Driver(chunks))(CancellationToken.None);

        Assert.Equal(new TaskCheckpoint(7, "seen"), given?.Checkpoint);
        Assert.Equal(TimeSpan.FromMilliseconds(20), given?.Budget);
        Assert.Equal(_host.Id, given?.TaskId);
    }

    [Fact]
    public async Task A_chunk_that_finishes_ends_the_task_and_reports_to_the_cache_before_it_commits()
    {
        var chunks = new ScriptedChunks { Next = (_, _) => Task.FromResult(At(10, result: "55")) };

        await Started(Driver(chunks))(CancellationToken.None);

        Assert.Equal(["report:succeeded", "commit", "release-reminder", "after-phase-change"], _host.Calls);
        Assert.Equal(TaskPhase.Succeeded, _host.State.Phase);
        Assert.Equal("55", _host.State.ResultJson);
        Assert.NotNull(_host.State.FinishedAt);
        Assert.False(_host.TimerRunning);
    }

    [Fact]
    public async Task A_chunk_that_throws_ends_the_task_failed_with_its_message_where_it_stood()
    {
        _host.State.Checkpoint = new TaskCheckpoint(3);
        _host.State.Progress = new ProgressState(3, 10);
        var chunks = new ScriptedChunks { Next = (_, _) => throw new FormatException("row 4 is not a number") };

        await Started(Driver(chunks))(CancellationToken.None);

        Assert.Equal(["report:failed", "retry?", "commit", "release-reminder", "after-phase-change"], _host.Calls);
        Assert.Equal(TaskPhase.Failed, _host.State.Phase);
        Assert.Equal("row 4 is not a number", _host.State.Error);
        Assert.Equal(3, _host.State.Checkpoint.Position);
        Assert.Equal(new ProgressState(3, 10), _host.State.Progress);
    }

    [Fact]
    public async Task A_passing_failure_defers_the_chunk_its_checkpoint_standing_and_stops_the_timer_until_the_reminder()
    {
        _host.State.Checkpoint = new TaskCheckpoint(3);
        var chunks = new ScriptedChunks { Next = (_, _) => throw new TimeoutException("the database did not answer") };

        await Started(Driver(chunks))(CancellationToken.None);

        Assert.Empty(_host.Calls);
        Assert.Equal(TaskPhase.Running, _host.State.Phase);
        Assert.Equal(3, _host.State.Checkpoint.Position);
        Assert.False(_host.TimerRunning);
    }

    [Fact]
    public async Task A_chunk_cancelled_because_the_activation_stops_commits_nothing_and_keeps_the_timer_for_its_end()
    {
        using var stopping = new CancellationTokenSource();
        var chunks = new ScriptedChunks
        {
            Next = (_, token) =>
            {
                stopping.Cancel();
                token.ThrowIfCancellationRequested();
                return Task.FromResult(At(9));
            },
        };

        await Started(Driver(chunks))(stopping.Token);

        Assert.Empty(_host.Calls);
        Assert.Equal(0, _host.State.Checkpoint.Position);
        Assert.True(_host.TimerRunning); // Not deferred: the activation's end disposes it.
    }

    [Fact]
    public async Task A_chunk_whose_task_was_paused_while_it_ran_is_dropped()
    {
        var chunks = new ScriptedChunks
        {
            Next = (_, _) =>
            {
                _host.State.Phase = TaskPhase.Paused; // A pause that ran while the chunk was out.
                _host.State.Epoch++;
                return Task.FromResult(At(10, result: "55"));
            },
        };

        await Started(Driver(chunks))(CancellationToken.None);

        Assert.Empty(_host.Calls);
        Assert.Equal(TaskPhase.Paused, _host.State.Phase);
        Assert.Equal(0, _host.State.Checkpoint.Position);
        Assert.Null(_host.State.ResultJson);
    }

    [Fact]
    public async Task A_chunk_of_an_earlier_run_does_not_commit_into_the_next_one()
    {
        var chunks = new ScriptedChunks
        {
            Next = (_, _) =>
            {
                _host.State.Epoch++; // Paused and resumed while the chunk was out: running again, under a new epoch.
                return Task.FromResult(At(5));
            },
        };

        await Started(Driver(chunks))(CancellationToken.None);

        Assert.Empty(_host.Calls);
        Assert.Equal(0, _host.State.Checkpoint.Position);
    }

    [Fact]
    public async Task An_interrupted_chunk_is_dropped_and_no_new_call_starts_until_the_hold_has_passed()
    {
        var chunks = new ScriptedChunks(interruptible: true)
        {
            Next = async (_, token) =>
            {
                await Task.Delay(Timeout.Infinite, token); // A call out that would not answer soon.
                return At(9);
            },
        };
        var driver = Driver(chunks);
        var tick = Started(driver);

        var inFlight = tick(CancellationToken.None);
        driver.Interrupt();
        await inFlight;

        Assert.Empty(_host.Calls);
        Assert.Equal(0, _host.State.Checkpoint.Position);
        Assert.Equal(TaskPhase.Running, _host.State.Phase);

        chunks.Next = (_, _) => Task.FromResult(At(2));
        await tick(CancellationToken.None);
        Assert.Equal(1, chunks.Runs); // Held off: the pause or cancel behind the interrupt goes first.

        _clock.Advance(ChunkDriver.InterruptHold);
        await tick(CancellationToken.None);
        Assert.Equal(2, chunks.Runs);
        Assert.Equal(["commit", "progress-line"], _host.Calls);
    }

    [Fact]
    public async Task An_interrupt_does_not_cut_a_chunk_that_is_not_interruptible()
    {
        var answer = new TaskCompletionSource<ChunkOutcome>();
        var chunks = new ScriptedChunks(interruptible: false) { Next = (_, _) => answer.Task };
        var driver = Driver(chunks);
        var tick = Started(driver);

        var inFlight = tick(CancellationToken.None);
        driver.Interrupt();
        answer.SetResult(At(6));
        await inFlight;

        Assert.Equal(["commit", "progress-line"], _host.Calls);
        Assert.Equal(6, _host.State.Checkpoint.Position);

        chunks.Next = (_, _) => Task.FromResult(At(7));
        await tick(CancellationToken.None);
        Assert.Equal(2, chunks.Runs); // No hold either.
    }

    [Fact]
    public async Task A_checkpoint_whose_commit_fails_is_not_followed_by_its_history_line_and_the_tick_does_not_throw()
    {
        _host.CommitFailure = new InvalidOperationException("storage refused the write (test)");
        var chunks = new ScriptedChunks { Next = (_, _) => Task.FromResult(At(4)) };

        await Started(Driver(chunks))(CancellationToken.None);

        Assert.Equal(["commit"], _host.Calls);
    }

    [Fact]
    public async Task A_tick_of_a_task_that_no_longer_runs_stops_the_timer_and_runs_no_chunk()
    {
        var chunks = new ScriptedChunks { Next = (_, _) => Task.FromResult(At(1)) };
        var tick = Started(Driver(chunks));
        _host.State.Phase = TaskPhase.Paused;

        await tick(CancellationToken.None);

        Assert.Equal(0, chunks.Runs);
        Assert.False(_host.TimerRunning);
        Assert.Empty(_host.Calls);
    }

    [Fact]
    public void Start_registers_one_timer_however_often_it_is_called()
    {
        var driver = Driver(new ScriptedChunks());

        driver.Start();
        driver.Start();

        Assert.Equal(1, _host.TimersRegistered);
        Assert.True(_host.TimerRunning);
    }

    [Fact]
    public void Start_registers_no_timer_for_a_type_that_does_not_run_in_chunks_here()
    {
        _host.State.Type = "shell"; // Runs on its agent.
        var driver = Driver(new ScriptedChunks());

        driver.Start();

        Assert.Equal(0, _host.TimersRegistered);
    }

    [Fact]
    public void Stop_then_Start_registers_a_new_timer()
    {
        var driver = Driver(new ScriptedChunks());
        driver.Start();

        driver.Stop();
        Assert.False(_host.TimerRunning);
        driver.Start();

        Assert.Equal(2, _host.TimersRegistered);
        Assert.True(_host.TimerRunning);
    }

    [Fact]
    public void A_cancellation_while_the_activation_stops_is_taken_as_stopping_even_when_an_interrupt_came_too()
    {
        Assert.Equal(ChunkFault.Stopping, ChunkDriver.Classify(new OperationCanceledException(), stopping: true, interrupted: true));
        Assert.Equal(ChunkFault.Interrupted, ChunkDriver.Classify(new OperationCanceledException(), stopping: false, interrupted: true));
    }

    [Fact]
    public void A_cancellation_that_is_not_the_drivers_own_is_judged_like_any_other_failure()
    {
        // An HTTP client's timeout is a TaskCanceledException around a TimeoutException: a server away for a moment.
        Assert.Equal(ChunkFault.Passing, ChunkDriver.Classify(new TaskCanceledException("timed out", new TimeoutException()), false, false));
        Assert.Equal(ChunkFault.Failed, ChunkDriver.Classify(new OperationCanceledException(), false, false));
        Assert.Equal(ChunkFault.Passing, ChunkDriver.Classify(new TimeoutException(), stopping: false, interrupted: true));
    }

    [Fact]
    public void Apply_of_an_unfinished_outcome_moves_the_checkpoint_and_leaves_the_task_running()
    {
        var task = new TaskState { Exists = true, Phase = TaskPhase.Running };

        var ended = ChunkDriver.Apply(task, At(5), Noon);

        Assert.False(ended);
        Assert.Equal(TaskPhase.Running, task.Phase);
        Assert.Equal(5, task.Checkpoint.Position);
        Assert.Null(task.FinishedAt);
    }

    [Fact]
    public void Apply_of_an_error_ends_the_task_failed_without_a_result()
    {
        var task = new TaskState { Exists = true, Phase = TaskPhase.Running };

        var ended = ChunkDriver.Apply(task, At(5, error: "bad row"), Noon);

        Assert.True(ended);
        Assert.Equal(TaskPhase.Failed, task.Phase);
        Assert.Equal("bad row", task.Error);
        Assert.Null(task.ResultJson);
        Assert.Equal(Noon, task.FinishedAt);
    }

    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
}
