using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tasker.Tasks;

namespace Tasker.Silo.Tests.Endpoints;

/// <summary>
/// Tasks asked for later (<c>run_at</c>, <c>delay</c>): scheduled until their time, started by their due shard at it,
/// never before; run-now, cancel and delete while they wait; and a 400 naming the field for every bad time.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DelayedTaskTests(TaskerApiFixture api)
{
    private readonly HttpClient _http = api.CreateClient();

    [Fact]
    public async Task A_task_with_a_delay_is_scheduled_until_its_time_and_then_runs_never_before()
    {
        var client = ApiTestExtensions.UniqueClient("delay");
        var submitted = await _http.PostTextAsync("/tasks", $$"""{"type":"sum2","params":{"first":2,"second":40},"client":"{{client}}","delay":"PT1.5S"}""");

        Assert.Equal(HttpStatusCode.Accepted, submitted.Status);
        Assert.Equal("scheduled", submitted.Body.Status());
        var runAt = submitted.Body.GetProperty("runAt").GetDateTimeOffset();
        Assert.InRange(runAt - submitted.Body.GetProperty("createdAt").GetDateTimeOffset(), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        var id = submitted.Body.GetProperty("id").GetString()!;
        var (_, listing) = await _http.GetJsonAsync($"/tasks?client={client}&status=scheduled");
        Assert.Equal([id], listing.Ids());

        var done = await _http.WaitForStatusAsync(id, "succeeded");
        Assert.Equal("42", done.GetProperty("result").GetRawText());
        Assert.True(done.GetProperty("startedAt").GetDateTimeOffset() >= runAt, $"started before its time: {done}");
    }

    [Fact]
    public async Task Run_at_with_an_offset_names_the_same_instant_and_the_task_starts_then()
    {
        // Whole milliseconds, as the text below carries it: a start within the sub-millisecond the text drops is not early.
        var at = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddSeconds(2).ToUnixTimeMilliseconds()).ToOffset(TimeSpan.FromHours(5));
        var text = at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        var submitted = await _http.PostTextAsync("/tasks", $$"""{"type":"count","params":{"to":2},"client":"{{ApiTestExtensions.UniqueClient("runat")}}","run_at":"{{text}}"}""");

        Assert.Equal(HttpStatusCode.Accepted, submitted.Status);
        Assert.Equal("scheduled", submitted.Body.Status());
        Assert.Equal(at.ToUnixTimeMilliseconds(), submitted.Body.GetProperty("runAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        var done = await _http.WaitForStatusAsync(submitted.Body.GetProperty("id").GetString()!, "succeeded");
        Assert.True(done.GetProperty("startedAt").GetDateTimeOffset() >= at, $"started before {at:O}: {done}");
    }

    [Fact]
    public async Task A_delayed_task_waits_as_a_stored_row_without_an_activation_and_its_shard_starts_it()
    {
        var activations = api.Services.GetRequiredService<TaskActivations>();
        var submitted = await _http.PostTextAsync("/tasks", $$"""{"type":"sum2","params":{"first":1,"second":2},"client":"{{ApiTestExtensions.UniqueClient("row")}}","delay":"PT1S"}""");
        var id = submitted.Body.GetProperty("id").GetString()!;

        Assert.Equal("scheduled", submitted.Body.Status());
        Assert.False(activations.IsActive(id), "a delayed task was given an activation while it waits");
        var done = await _http.WaitForStatusAsync(id, "succeeded");
        Assert.Equal("3", done.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Run_now_starts_a_scheduled_task_at_once_and_only_once()
    {
        var id = await SubmitLaterAsync("runnow", "PT1H");

        var started = await _http.CommandAsync(id, "run-now");
        Assert.Equal(HttpStatusCode.OK, started.Status);
        Assert.NotEqual("scheduled", started.Body.Status());
        await _http.WaitForStatusAsync(id, "succeeded");

        var again = await _http.CommandAsync(id, "run-now");
        again.AssertProblem(HttpStatusCode.Conflict, code: "illegal-transition", detailContains: "only a scheduled task");
    }

    [Fact]
    public async Task A_cancelled_scheduled_task_never_runs()
    {
        var id = await SubmitLaterAsync("cancel", "PT1S");

        var cancelled = await _http.CommandAsync(id, "cancel");
        Assert.Equal(HttpStatusCode.OK, cancelled.Status);
        Assert.Equal("cancelled", cancelled.Body.Status());

        await Task.Delay(TimeSpan.FromSeconds(2.5)); // Past its time.
        var (_, task) = await _http.GetJsonAsync($"/tasks/{id}");
        Assert.Equal("cancelled", task.Status());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("startedAt").ValueKind);
    }

    [Fact]
    public async Task A_scheduled_task_can_be_deleted_without_cancelling_it_first_and_then_never_runs()
    {
        var id = await SubmitLaterAsync("delete", "PT1S");

        var deleted = await _http.SendRawAsync(HttpMethod.Delete, $"/tasks/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var (status, _) = await _http.GetJsonAsync($"/tasks/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task A_scheduled_task_cannot_be_paused()
    {
        var id = await SubmitLaterAsync("pause", "PT1H");
        try
        {
            var paused = await _http.CommandAsync(id, "pause");
            paused.AssertProblem(HttpStatusCode.Conflict, code: "illegal-transition");
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Run_now_of_a_task_that_does_not_exist_is_a_404()
    {
        var missing = await _http.CommandAsync(new string('0', 32), "run-now");
        missing.AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Batch_items_take_their_own_delay_and_a_bad_one_is_that_items_400()
    {
        var client = ApiTestExtensions.UniqueClient("batchdelay");
        var answer = await _http.PostTextAsync("/tasks/batch", $$"""
            [{"type":"sum2","params":{"first":1,"second":1},"client":"{{client}}","delay":3600},
             {"type":"sum2","params":{"first":1,"second":2},"client":"{{client}}","delay":"soon"},
             {"type":"sum2","params":{"first":1,"second":3},"client":"{{client}}"}]
            """);

        var results = answer.Body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal("scheduled", results[0].GetProperty("task").Status());
        Assert.Equal(400, results[1].GetProperty("problem").GetProperty("status").GetInt32());
        Assert.True(results[1].GetProperty("problem").GetProperty("errors").TryGetProperty("delay", out _), results[1].ToString());
        Assert.Equal("succeeded", results[2].GetProperty("task").Status());
        await _http.CancelQuietlyAsync(results[0].GetProperty("task").GetProperty("id").GetString());
    }

    public static TheoryData<string, string> BadTimes() => new()
    {
        { "run_at", """ "run_at":"2030-01-01T10:00:00" """ },                 // no offset
        { "run_at", """ "run_at":"2020-01-01T10:00:00Z" """ },                // long past
        { "run_at", """ "run_at":"tomorrow" """ },
        { "run_at", """ "run_at":1767225600 """ },
        { "delay", """ "delay":-1 """ },
        { "delay", """ "delay":"-PT5M" """ },
        { "delay", """ "delay":"5 minutes" """ },
        { "delay", """ "delay":"P99999D" """ },
        { "delay", """ "delay":true """ },
        { "delay", """ "run_at":"2030-01-01T10:00:00Z","delay":5 """ },       // both
        { "retry", """ "retry":5 """ },
        { "retry.attempts", """ "retry":{"attempts":5} """ },                  // unknown field
        { "retry.max_attempts", """ "retry":{"max_attempts":0} """ },
        { "retry.max_attempts", """ "retry":{"max_attempts":101} """ },
        { "retry.backoff", """ "retry":{"backoff":"linear"} """ },
        { "retry.initial_delay", """ "retry":{"initial_delay":"PT0S"} """ },
        { "retry.initial_delay", """ "retry":{"initial_delay":-2} """ },
        { "retry.max_delay", """ "retry":{"initial_delay":"PT10S","max_delay":"PT5S"} """ },
        { "retry.multiplier", """ "retry":{"multiplier":0.5} """ },
        { "retry.jitter", """ "retry":{"jitter":1.5} """ },
        { "timeout", """ "timeout":"PT0S" """ },
        { "timeout", """ "timeout":"forever" """ },
    };

    [Theory]
    [MemberData(nameof(BadTimes))]
    public async Task A_bad_time_is_a_400_that_names_its_field(string field, string fields)
    {
        var response = await _http.PostTextAsync("/tasks", $$"""{"type":"sum2","params":{"first":1,"second":2},"client":"bad-time",{{fields}}}""");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
    }

    [Fact]
    public async Task A_task_past_its_timeout_ends_cancelled_with_error_code_timeout_and_shows_its_attempts()
    {
        var submitted = await _http.PostTextAsync("/tasks", $$$"""
            {"type":"count","params":{"to":1000000,"delay_ms":50},"client":"{{{ApiTestExtensions.UniqueClient("timeout")}}}",
             "timeout":"PT0.5S","retry":{"max_attempts":2,"backoff":"fixed","initial_delay":0.2,"jitter":0}}
            """);
        Assert.Equal(HttpStatusCode.Accepted, submitted.Status);
        Assert.Equal(1, submitted.Body.GetProperty("attempt").GetInt32());
        Assert.Equal(2, submitted.Body.GetProperty("maxAttempts").GetInt32());

        var ended = await _http.WaitForStatusAsync(submitted.Body.GetProperty("id").GetString()!, "cancelled");

        Assert.Equal("timeout", ended.GetProperty("errorCode").GetString());
        Assert.Equal(2, ended.GetProperty("attempt").GetInt32());
        var failed = Assert.Single(ended.GetProperty("failedAttempts").EnumerateArray());
        Assert.Equal(1, failed.GetProperty("attempt").GetInt32());
        Assert.Equal("timeout", failed.GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task A_task_without_retry_or_timeout_shows_no_attempt_fields()
    {
        var submitted = await _http.PostTextAsync("/tasks", $$"""{"type":"sum2","params":{"first":3,"second":4},"client":"{{ApiTestExtensions.UniqueClient("plain")}}"}""");

        Assert.False(submitted.Body.TryGetProperty("attempt", out _), submitted.Body.ToString());
        Assert.False(submitted.Body.TryGetProperty("failedAttempts", out _));
        Assert.False(submitted.Body.TryGetProperty("runAt", out _));
    }

    private async Task<string> SubmitLaterAsync(string prefix, string delay)
    {
        var submitted = await _http.PostTextAsync("/tasks",
            $$"""{"type":"count","params":{"to":2},"client":"{{ApiTestExtensions.UniqueClient(prefix)}}","delay":"{{delay}}"}""");
        Assert.Equal(HttpStatusCode.Accepted, submitted.Status);
        Assert.Equal("scheduled", submitted.Body.Status());
        return submitted.Body.GetProperty("id").GetString()!;
    }
}
