using System.Globalization;
using System.Net;
using System.Text.Json;
using Tasker.Api;

namespace Tasker.Client.Tests;

[Collection(ServerCollection.Name)]
public sealed class TaskerClientTests(TaskerServerFixture server)
{
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(30);

    private readonly TaskerClient _tasker = server.NewClient();

    [Fact]
    public async Task SubmitAsync_then_WaitAsync_returns_the_sum2_result_3()
    {
        var submitted = await _tasker.SubmitAsync("sum2", new { first = 1, second = 2 }, TaskerServerFixture.UniqueClientName("sum"));

        var task = await _tasker.WaitAsync(submitted.Id, _patience);

        Assert.Equal("succeeded", task.Status);
        Assert.Equal("3", task.Result?.GetRawText());
    }

    [Fact]
    public async Task SubmitAsync_reports_a_cache_hit_when_the_same_request_is_repeated()
    {
        var client = TaskerServerFixture.UniqueClientName("cache");
        var first = Random.Shared.Next(1, int.MaxValue);
        var parameters = JsonSerializer.SerializeToElement(new { first, second = 1 });
        var original = await _tasker.SubmitAsync("sum2", parameters, client);
        await _tasker.WaitAsync(original.Id, _patience);

        var repeat = await _tasker.SubmitAsync("sum2", parameters, client);

        Assert.False(original.Cached);
        Assert.True(repeat.Cached);
        Assert.NotEqual(original.Id, repeat.Id);
        Assert.Equal("succeeded", repeat.Status);
        Assert.Equal((first + 1L).ToString(CultureInfo.InvariantCulture), repeat.Result?.GetRawText());
    }

    [Fact]
    public async Task SubmitBatchAsync_returns_each_items_task_or_problem_in_order()
    {
        var client = TaskerServerFixture.UniqueClientName("batch");
        var items = new[]
        {
            new BatchItemRequest("sum2", JsonSerializer.SerializeToElement(new { first = 40, second = 2 }), client),
            new BatchItemRequest("sum2", JsonSerializer.SerializeToElement(new { first = 1 }), client),
        };

        var batch = await _tasker.SubmitBatchAsync(items);

        Assert.Equal((1, 1), (batch.Accepted, batch.Refused));
        Assert.Equal(202, batch.Results[0].Status);
        Assert.Equal("42", batch.Results[0].Task!.Result!.Value.GetRawText());
        Assert.Equal(400, batch.Results[1].Status);
        Assert.Null(batch.Results[1].Task);
        Assert.Equal("invalid-request", batch.Results[1].Problem!.Code);
        Assert.Contains("params.second", batch.Results[1].Problem!.Errors!.Keys);
    }

    [Fact]
    public async Task SubmitAsync_with_the_same_idempotency_key_returns_the_first_task()
    {
        var client = TaskerServerFixture.UniqueClientName("idem");
        var key = Guid.NewGuid().ToString("N");

        var first = await _tasker.SubmitAsync("count", new { to = 5 }, client, TaskPriority.High, key);
        var retry = await _tasker.SubmitAsync("count", new { to = 5 }, client, TaskPriority.High, key);

        Assert.Equal(first.Id, retry.Id);
        Assert.Equal("high", first.Priority);
    }

    [Fact]
    public async Task WaitAsync_reports_the_progress_of_a_count_task_and_returns_it_succeeded()
    {
        var submitted = await _tasker.SubmitAsync("count", new { to = 20, delay_ms = 20 }, TaskerServerFixture.UniqueClientName("count"));
        var seen = new Recorder();

        var task = await _tasker.WaitAsync(submitted.Id, _patience, seen);

        Assert.Equal("succeeded", task.Status);
        Assert.Equal("20", task.Result?.GetRawText());
        Assert.True(seen.Views.Count >= 3, $"expected several progress reports, got {seen.Views.Count}");
        Assert.Contains(seen.Views, v => v.Status == "running" && v.Progress is { Done: > 0 and < 20 });
        Assert.Same(task, seen.Views[^1]);
        var versions = seen.Views.Select(v => v.Version).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Distinct(), versions);
    }

    [Fact]
    public async Task WaitAsync_throws_TimeoutException_when_the_task_outlasts_the_timeout()
    {
        var submitted = await _tasker.SubmitAsync("count", new { to = 1000, delay_ms = 20 }, TaskerServerFixture.UniqueClientName("slow"));

        await Assert.ThrowsAsync<TimeoutException>(() => _tasker.WaitAsync(submitted.Id, TimeSpan.FromMilliseconds(300)));

        await _tasker.CancelAsync(submitted.Id);
    }

    [Fact]
    public async Task GetAsync_returns_the_task_or_null_for_an_unknown_id()
    {
        var submitted = await _tasker.SubmitAsync("sum2", new { first = 2, second = 2 }, TaskerServerFixture.UniqueClientName("get"));

        var found = await _tasker.GetAsync(submitted.Id);
        var missing = await _tasker.GetAsync(TaskIds.New());

        Assert.Equal(submitted.Id, found?.Id);
        Assert.Equal("sum2", found?.Type);
        Assert.Null(missing);
    }

    [Fact]
    public async Task ListAsync_pages_a_clients_tasks_newest_first_with_the_cursor()
    {
        var client = TaskerServerFixture.UniqueClientName("list");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _tasker.SubmitAsync("sum2", new { first = i, second = 10 }, client)).Id);
        }

        var firstPage = await _tasker.ListAsync(client: client, limit: 2);
        var secondPage = await _tasker.ListAsync(client: client, limit: 2, cursor: firstPage.Next);

        Assert.Equal([ids[2], ids[1]], firstPage.Items.Select(t => t.Id));
        Assert.NotNull(firstPage.Next);
        Assert.Equal([ids[0]], secondPage.Items.Select(t => t.Id));
        Assert.Null(secondPage.Next);
        Assert.All(firstPage.Items.Concat(secondPage.Items), t => Assert.Equal(client, t.Client));
    }

    [Fact]
    public async Task ListAsync_filters_by_type_and_status()
    {
        var client = TaskerServerFixture.UniqueClientName("filter");
        var sum = await _tasker.SubmitAsync("sum2", new { first = 1, second = 1 }, client);
        await _tasker.WaitAsync(sum.Id, _patience);
        var count = await _tasker.SubmitAsync("count", new { to = 1000, delay_ms = 20 }, client);

        var sums = await _tasker.ListAsync(client, type: "sum2");
        var running = await _tasker.ListAsync(client, status: TaskPhase.Running);
        await _tasker.CancelAsync(count.Id);

        Assert.Equal([sum.Id], sums.Items.Select(t => t.Id));
        Assert.Equal([count.Id], running.Items.Select(t => t.Id));
    }

    [Fact]
    public async Task PauseAsync_ResumeAsync_and_CancelAsync_move_a_running_task_through_its_lifecycle()
    {
        var submitted = await _tasker.SubmitAsync("count", new { to = 1000, delay_ms = 20 }, TaskerServerFixture.UniqueClientName("control"));
        Assert.Equal("running", submitted.Status);

        var paused = await _tasker.PauseAsync(submitted.Id);
        var resumed = await _tasker.ResumeAsync(submitted.Id);
        var cancelled = await _tasker.CancelAsync(submitted.Id);
        var waited = await _tasker.WaitAsync(submitted.Id, _patience);

        Assert.Equal("paused", paused.Status);
        Assert.Equal("running", resumed.Status);
        Assert.Equal("cancelled", cancelled.Status);
        Assert.Equal("cancelled", waited.Status);
        Assert.True(waited.IsFinal());
    }

    [Fact]
    public async Task ResumeAsync_of_a_task_that_ended_throws_a_409_illegal_transition()
    {
        var submitted = await _tasker.SubmitAsync("sum2", new { first = 5, second = 5 }, TaskerServerFixture.UniqueClientName("illegal"));
        await _tasker.WaitAsync(submitted.Id, _patience);

        var error = await Assert.ThrowsAsync<TaskerApiException>(() => _tasker.ResumeAsync(submitted.Id));

        Assert.Equal(HttpStatusCode.Conflict, error.StatusCode);
        Assert.Equal("illegal-transition", error.Code);
        Assert.Equal("Illegal transition", error.Title);
    }

    [Fact]
    public async Task SubmitAsync_of_an_unknown_type_throws_a_400_whose_errors_name_type()
    {
        var error = await Assert.ThrowsAsync<TaskerApiException>(
            () => _tasker.SubmitAsync("no-such-type", new { }, TaskerServerFixture.UniqueClientName("bad")));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("invalid-request", error.Code);
        Assert.Contains("type", error.Errors.Keys);
        Assert.Contains("no-such-type", error.Detail);
        Assert.StartsWith("400 ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitAsync_of_an_unknown_id_throws_a_404()
    {
        var error = await Assert.ThrowsAsync<TaskerApiException>(() => _tasker.WaitAsync(TaskIds.New(), _patience));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("not-found", error.Code);
    }

    /// <summary>Keeps every report, on the reporting thread (unlike <see cref="Progress{T}"/>, which posts them).</summary>
    private sealed class Recorder : IProgress<TaskView>
    {
        public List<TaskView> Views { get; } = [];

        public void Report(TaskView value) => Views.Add(value);
    }
}
