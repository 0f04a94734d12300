using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests;

/// <summary>
/// The lifecycle of a long task over HTTP: progress, pause, resume, cancel, delete, the result endpoint,
/// and a 409 for every transition the lifecycle does not allow. Uses <c>count</c> tasks.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class TaskLifecycleTests(TaskerApiFixture api)
{
    /// <summary>So many steps at 10 ms each that the task runs for the whole test unless stopped.</summary>
    private const long Endless = 1_000_000;

    private readonly HttpClient _http = api.CreateClient();

    [Fact]
    public async Task Count_progress_advances_while_it_runs()
    {
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("progress"), Endless, delayMs: 10);
        try
        {
            var first = await _http.WaitForAsync(id, t => t.Done() >= 1);
            var later = await _http.WaitForAsync(id, t => t.Done() > first.Done());

            Assert.Equal("running", later.Status());
            Assert.Equal(Endless, later.GetProperty("progress").GetProperty("total").GetInt64());
            Assert.True(later.GetProperty("version").GetInt64() > first.GetProperty("version").GetInt64());
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Pause_holds_progress_until_resume()
    {
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("pause"), Endless, delayMs: 10);
        try
        {
            await _http.WaitForAsync(id, t => t.Done() >= 4);

            var paused = await _http.CommandAsync(id, "pause");
            Assert.Equal(HttpStatusCode.OK, paused.Status);
            Assert.Equal("paused", paused.Body.Status());

            var (_, sample1) = await _http.GetJsonAsync($"/tasks/{id}");
            await Task.Delay(300);
            var (_, sample2) = await _http.GetJsonAsync($"/tasks/{id}");
            await Task.Delay(300);
            var (_, status) = await _http.GetJsonAsync($"/tasks/{id}/status");

            Assert.Equal("paused", sample1.Status());
            Assert.Equal("paused", sample2.Status());
            Assert.Equal("paused", status.Status());
            Assert.Equal(paused.Body.Done(), sample1.Done());
            Assert.Equal(sample1.Done(), sample2.Done());
            Assert.Equal(sample2.Done(), status.Done());
            Assert.Null(sample2.GetProperty("finishedAt").GetString());
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Resume_goes_on_from_the_checkpoint_and_succeeds_with_the_count()
    {
        const long to = 150;
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("resume"), to, delayMs: 10);
        var seen = new List<long>();
        try
        {
            for (var round = 1; round <= 2; round++)
            {
                var threshold = round * 20;
                var before = await _http.WaitForAsync(id, t => Record(seen, t).Done() >= threshold || t.Status() == "succeeded");
                Assert.Equal("running", before.Status());

                var paused = await _http.CommandAsync(id, "pause");
                Assert.Equal(HttpStatusCode.OK, paused.Status);
                Assert.Equal("paused", Record(seen, paused.Body).Status());

                var resumed = await _http.CommandAsync(id, "resume");
                Assert.Equal(HttpStatusCode.OK, resumed.Status);
                Assert.Equal("running", Record(seen, resumed.Body).Status());
                Assert.True(resumed.Body.Done() >= paused.Body.Done(), $"resume went back from {paused.Body.Done()} to {resumed.Body.Done()}");
            }

            var done = await _http.WaitForAsync(id, t => Record(seen, t).Status() == "succeeded");

            Assert.Equal(to, done.Done());
            Assert.Equal(to.ToString(System.Globalization.CultureInfo.InvariantCulture), done.GetProperty("result").GetRawText());
            for (var i = 1; i < seen.Count; i++)
            {
                Assert.True(seen[i] >= seen[i - 1], $"progress went backwards: {string.Join(", ", seen)}");
            }
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    private static JsonElement Record(List<long> seen, JsonElement task)
    {
        seen.Add(task.Done());
        return task;
    }

    [Fact]
    public async Task Cancel_ends_a_running_task_with_finishedAt_set()
    {
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("cancel"), Endless, delayMs: 10);
        await _http.WaitForAsync(id, t => t.Done() >= 2);

        var cancelled = await _http.CommandAsync(id, "cancel");

        Assert.Equal(HttpStatusCode.OK, cancelled.Status);
        Assert.Equal("cancelled", cancelled.Body.Status());
        var (status, task) = await _http.GetJsonAsync($"/tasks/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cancelled", task.Status());
        Assert.Equal(JsonValueKind.String, task.GetProperty("finishedAt").ValueKind);
        Assert.True(task.Done() < Endless);

        var stillDone = task.Done();
        await Task.Delay(200);
        var (_, later) = await _http.GetJsonAsync($"/tasks/{id}");
        Assert.Equal(stillDone, later.Done());
        Assert.Equal("cancelled", later.Status());
    }

    [Fact]
    public async Task Cancel_ends_a_paused_task()
    {
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("cancel"), Endless, delayMs: 10);
        await _http.WaitForAsync(id, t => t.Done() >= 2);
        Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "pause")).Status);

        var cancelled = await _http.CommandAsync(id, "cancel");

        Assert.Equal(HttpStatusCode.OK, cancelled.Status);
        Assert.Equal("cancelled", cancelled.Body.Status());
        Assert.Equal(JsonValueKind.String, cancelled.Body.GetProperty("finishedAt").ValueKind);
    }

    /// <summary>A count task brought into <paramref name="state"/>: running, paused, succeeded or cancelled.</summary>
    private async Task<string> TaskInStateAsync(string state)
    {
        var client = ApiTestExtensions.UniqueClient("state");
        if (state == "succeeded")
        {
            var quick = await _http.SubmitCountAsync(client, 5, delayMs: 0);
            await _http.WaitForStatusAsync(quick, "succeeded");
            return quick;
        }

        var id = await _http.SubmitCountAsync(client, Endless, delayMs: 10);
        await _http.WaitForAsync(id, t => t.Done() >= 1);
        switch (state)
        {
            case "running":
                break;
            case "paused":
                Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "pause")).Status);
                break;
            case "cancelled":
                Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "cancel")).Status);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(state), state, null);
        }

        return id;
    }

    [Theory]
    [InlineData("paused", "pause")]
    [InlineData("succeeded", "pause")]
    [InlineData("cancelled", "pause")]
    [InlineData("running", "resume")]
    [InlineData("succeeded", "resume")]
    [InlineData("cancelled", "resume")]
    [InlineData("succeeded", "cancel")]
    [InlineData("cancelled", "cancel")]
    [InlineData("running", "delete")]
    [InlineData("paused", "delete")]
    public async Task Illegal_transition_is_a_409_illegal_transition_that_leaves_the_task_as_it_was(string state, string command)
    {
        var id = await TaskInStateAsync(state);
        try
        {
            var response = command == "delete"
                ? await _http.SendRawAsync(HttpMethod.Delete, $"/tasks/{id}")
                : await _http.CommandAsync(id, command);

            response.AssertProblem(HttpStatusCode.Conflict, code: "illegal-transition", detailContains: state);
            var (status, task) = await _http.GetJsonAsync($"/tasks/{id}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(state, task.Status());
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Theory]
    [InlineData("succeeded")]
    [InlineData("cancelled")]
    public async Task Delete_of_a_finished_task_is_a_204_and_then_the_task_is_gone(string state)
    {
        var id = await TaskInStateAsync(state);
        var (_, before) = await _http.GetJsonAsync($"/tasks/{id}");
        var client = before.GetProperty("client").GetString()!;

        var deleted = await _http.SendRawAsync(HttpMethod.Delete, $"/tasks/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        (await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}")).AssertProblem(HttpStatusCode.NotFound, code: "not-found");
        (await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/status")).AssertProblem(HttpStatusCode.NotFound);
        (await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/result")).AssertProblem(HttpStatusCode.NotFound);
        (await _http.SendRawAsync(HttpMethod.Delete, $"/tasks/{id}")).AssertProblem(HttpStatusCode.NotFound);
        var (_, history) = await _http.GetJsonAsync($"/clients/{client}/tasks");
        Assert.DoesNotContain(id, history.Ids());
    }

    [Fact]
    public async Task Result_of_a_running_task_is_a_409_result_not_ready()
    {
        var id = await TaskInStateAsync("running");
        try
        {
            var response = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/result");

            response.AssertProblem(HttpStatusCode.Conflict, code: "result-not-ready", detailContains: "running");
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Result_of_a_paused_task_is_a_409_result_not_ready()
    {
        var id = await TaskInStateAsync("paused");
        try
        {
            var response = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/result");

            response.AssertProblem(HttpStatusCode.Conflict, code: "result-not-ready", detailContains: "paused");
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Result_of_a_cancelled_task_is_a_409_task_cancelled()
    {
        var id = await TaskInStateAsync("cancelled");

        var response = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/result");

        response.AssertProblem(HttpStatusCode.Conflict, code: "task-cancelled", detailContains: "cancelled");
    }

    [Fact]
    public async Task Result_of_a_succeeded_task_is_a_200_with_the_result()
    {
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("result"), 40, delayMs: 1);
        await _http.WaitForStatusAsync(id, "succeeded");

        var response = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/result");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(id, response.Body.GetProperty("id").GetString());
        Assert.Equal("succeeded", response.Body.Status());
        Assert.Equal("40", response.Body.GetProperty("result").GetRawText());
        Assert.False(response.Body.GetProperty("cached").GetBoolean());
    }

    [Fact]
    public async Task Succeeded_count_reports_full_progress_and_start_and_finish_times()
    {
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("times"), 30, delayMs: 1);

        var task = await _http.WaitForStatusAsync(id, "succeeded");

        Assert.Equal(30, task.Done());
        Assert.Equal(100.0, task.GetProperty("progress").GetProperty("percent").GetDouble());
        var created = task.GetProperty("createdAt").GetDateTimeOffset();
        var started = task.GetProperty("startedAt").GetDateTimeOffset();
        var finished = task.GetProperty("finishedAt").GetDateTimeOffset();
        Assert.True(created <= started && started <= finished, $"times out of order: {task}");
    }
}
