using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>
/// A call that fails between a task's change of state and its commit (the result cache, once) must not leave the
/// activation ahead of storage: the task goes on from what storage holds and reaches its end.
/// </summary>
public sealed class FailureAfterChangeTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await OneSiloCluster.StartAsync(silo => silo.AddMemoryGrainStorage(TaskerStorage.Name), silo => silo.AddIncomingGrainCallFilter<FailOnce>());

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_failed_cache_report_when_a_task_ends_drops_the_activation_and_the_task_still_ends_succeeded()
    {
        var n = Random.Shared.Next(100, 999);
        var grain = _cluster.Client.GetGrain<ITaskGrain>(TaskIds.New());
        FailOnce.Arm(CacheReport, () => new InvalidOperationException("the result cache refused this report (test)"));

        var task = await grain.SubmitAsync(new TaskSubmission("sequence", $$"""{"n":{{n}}}""", "fail-after-change", TaskPriority.Normal));
        task = await UntilFinalAsync(grain, task);

        Assert.True(FailOnce.Fired, "the cache report was never refused: the test proved nothing");
        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        Assert.Equal(((long)n * (n + 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), task.ResultJson);
    }

    [Fact]
    public async Task A_cancel_whose_cache_report_fails_changes_nothing_and_a_retried_cancel_succeeds()
    {
        var grain = _cluster.Client.GetGrain<ITaskGrain>(TaskIds.New());
        var task = await grain.SubmitAsync(new TaskSubmission("sequence", """{"n":1000000}""", "fail-after-change", TaskPriority.Normal));
        Assert.Equal(TaskPhase.Running, task.Phase);
        FailOnce.Arm(CacheReport, () => new InvalidOperationException("the result cache refused this report (test)"));

        await Assert.ThrowsAnyAsync<Exception>(() => grain.CancelAsync());
        Assert.True(FailOnce.Fired);

        // Storage never saw the cancel: the task is running, and a retried cancel ends it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        TaskCommandResult cancelled;
        while ((cancelled = await grain.CancelAsync()).Status != TaskCommandStatus.Done)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the retried cancel was refused: {cancelled}");
            await Task.Delay(200);
        }

        task = await UntilFinalAsync(grain, (await grain.GetAsync())!);
        Assert.Equal(TaskPhase.Cancelled, task.Phase);
    }

    [Fact]
    public async Task A_final_history_line_that_fails_is_written_again_until_the_history_shows_the_end()
    {
        var client = "history-" + Guid.NewGuid().ToString("N")[..8];
        var grain = _cluster.Client.GetGrain<ITaskGrain>(TaskIds.New());
        FailOnce.Arm(FinalHistoryLine, () => new TimeoutException("the history store did not answer (test)"));

        var task = await UntilFinalAsync(grain, await grain.SubmitAsync(new TaskSubmission("sequence", """{"n":300}""", client, TaskPriority.Normal)));

        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        var history = _cluster.Client.GetGrain<IClientGrain>(client);
        var deadline = DateTime.UtcNow.AddSeconds(30); // the reminder (every 2 s here) writes the line again
        TaskPhase shown;
        while ((shown = (await history.QueryAsync(new HistoryQuery(10))).Entries.Single().Phase) != TaskPhase.Succeeded)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the client's history still says {shown} for a task that succeeded");
            await Task.Delay(200);
        }

        // Checked last: the line is written just after the task's end is visible.
        Assert.True(FailOnce.Fired, "the final history line was never refused: the test proved nothing");
    }

    private static async Task<TaskSnapshot> UntilFinalAsync(ITaskGrain grain, TaskSnapshot task)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30); // Reminders every 2 s bring a dropped activation back.
        while (!task.Phase.IsFinal())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the task never ended; last seen {task}");
            task = (await grain.WatchAsync(task.Version, TimeSpan.FromSeconds(2)))!;
        }

        return task;
    }

    /// <summary>A report of an outcome to the result cache.</summary>
    private static bool CacheReport(IIncomingGrainCallContext call) => call.InterfaceMethod.Name == nameof(IResultCacheGrain.CompleteAsync);

    /// <summary>A history line that records a task's end.</summary>
    private static bool FinalHistoryLine(IIncomingGrainCallContext call) =>
        call.InterfaceMethod.Name == nameof(IClientGrain.RecordAsync) && call.Request.GetArgument(0) is ClientTaskEntry { } entry && entry.Phase.IsFinal();

    /// <summary>When armed, makes the next grain call that matches fail once with the given exception.</summary>
    public sealed class FailOnce : IIncomingGrainCallFilter
    {
        private static readonly ConcurrentQueue<(Func<IIncomingGrainCallContext, bool> When, Func<Exception> Failure)> _armed = new();

        public static bool Fired { get; private set; }

        public static void Arm(Func<IIncomingGrainCallContext, bool> when, Func<Exception> failure)
        {
            Fired = false;
            _armed.Enqueue((when, failure));
        }

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (_armed.TryPeek(out var armed) && armed.When(context) && _armed.TryDequeue(out _))
            {
                Fired = true;
                throw armed.Failure();
            }

            await context.Invoke();
        }
    }
}
