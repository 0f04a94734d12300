using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests.Schedules;

/// <summary>Recurring schedules over HTTP, without authentication (the client is named in the body and the query).</summary>
[Collection(ApiCollection.Name)]
public sealed class ScheduleApiTests(TaskerApiFixture api)
{
    private readonly HttpClient _http = api.CreateClient();

    [Fact]
    public async Task Put_creates_then_replaces_and_the_schedule_reads_back()
    {
        var client = ApiTestExtensions.UniqueClient("sched");

        var created = await PutAsync(client, "nightly", """{"task":{"type":"sum2","params":{"first":1,"second":2}},"cron":"0 2 * * *","timezone":"Europe/Berlin"}""");
        var replaced = await PutAsync(client, "nightly", """{"task":{"type":"sum2","params":{"first":1,"second":3}},"cron":"30 2 * * *","timezone":"Europe/Berlin","overlap":"allow","missed":"run_all","max_catchup":3}""");
        var (status, read) = await _http.GetJsonAsync($"/schedules/nightly?client={client}");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("/schedules/nightly", created.Location);
        Assert.Equal(HttpStatusCode.OK, replaced.Status);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("30 2 * * *", read.GetProperty("cron").GetString());
        Assert.Equal("Europe/Berlin", read.GetProperty("timezone").GetString());
        Assert.Equal("allow", read.GetProperty("overlap").GetString());
        Assert.Equal("run_all", read.GetProperty("missed").GetString());
        Assert.Equal(3, read.GetProperty("maxCatchup").GetInt32());
        Assert.Equal(3, read.GetProperty("task").GetProperty("params").GetProperty("second").GetInt32());
        var next = read.GetProperty("nextDue").GetDateTimeOffset();
        var berlin = TimeZoneInfo.ConvertTime(next, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        Assert.Equal((2, 30), (berlin.Hour, berlin.Minute));
    }

    [Fact]
    public async Task Next_lists_the_coming_due_times_in_the_schedules_time_zone()
    {
        var client = ApiTestExtensions.UniqueClient("sched");
        await PutAsync(client, "daily", """{"task":{"type":"sum2","params":{"first":1,"second":2}},"cron":"0 2 * * *","timezone":"Europe/Berlin"}""");

        var (status, next) = await _http.GetJsonAsync($"/schedules/daily/next?client={client}&count=7");

        Assert.Equal(HttpStatusCode.OK, status);
        var due = next.GetProperty("due").EnumerateArray().Select(d => d.GetString()!).ToList();
        Assert.Equal(7, due.Count);
        Assert.All(due, d => Assert.Contains("T02:00:00", d, StringComparison.Ordinal)); // Local time, with the day's offset.
        var parsed = due.Select(d => DateTimeOffset.Parse(d, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(parsed.Order(), parsed);
    }

    [Fact]
    public async Task An_interval_schedule_makes_one_task_per_due_time_and_lists_them_newest_first()
    {
        var client = ApiTestExtensions.UniqueClient("sched");
        await PutAsync(client, "often", """{"task":{"type":"sum2","params":{"first":20,"second":22}},"every":"PT1S"}""");

        var runs = await WaitForRunsAsync(client, "often", r => r.Count(x => x.Outcome == "created") >= 3);
        await DeleteAsync(client, "often");

        var created = runs.Where(r => r.Outcome == "created").ToList();
        Assert.Equal(created.Count, created.Select(r => r.TaskId).Distinct().Count());
        Assert.Equal(created.Count, created.Select(r => r.DueAt).Distinct().Count());
        Assert.Equal(created.Select(r => r.DueAt).OrderDescending(), created.Select(r => r.DueAt));
        var (status, task) = await _http.GetJsonAsync($"/tasks/{created[0].TaskId}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("succeeded", task.Status());
        Assert.Equal(client, task.GetProperty("client").GetString());
        Assert.Equal("42", task.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task A_replaced_schedule_fires_at_its_new_due_times()
    {
        var client = ApiTestExtensions.UniqueClient("sched");
        await PutAsync(client, "changed", """{"task":{"type":"sum2","params":{"first":1,"second":2}},"cron":"0 0 1 1 *"}""");

        await PutAsync(client, "changed", """{"task":{"type":"sum2","params":{"first":1,"second":2}},"every":"PT1S"}""");
        var runs = await WaitForRunsAsync(client, "changed", r => r.Any(x => x.Outcome == "created"));
        await DeleteAsync(client, "changed");

        Assert.Contains(runs, r => r.Outcome == "created");
    }

    [Fact]
    public async Task A_due_time_meets_the_task_a_keyed_submission_made_with_its_idempotency_key()
    {
        // The schedule's first due time is known: start_at. A task made before it with the same key is the one it makes.
        var client = ApiTestExtensions.UniqueClient("sched");
        var due = DateTimeOffset.UtcNow.AddSeconds(3);
        due = new DateTimeOffset(due.Year, due.Month, due.Day, due.Hour, due.Minute, due.Second, TimeSpan.Zero);
        var key = $"schedule:once:{due.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}";
        var first = await _http.PostTaskAsync("sum2", """{"first":1,"second":1}""", client, idempotencyKey: key);
        Assert.True(first.Status is HttpStatusCode.OK or HttpStatusCode.Accepted, $"keyed submission: {first.Body}");
        var start = due.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        await PutAsync(client, "once", $$$"""{"task":{"type":"sum2","params":{"first":1,"second":1}},"every":"PT1H","start_at":"{{{start}}}"}""");
        var runs = await WaitForRunsAsync(client, "once", r => r.Any(x => x.Outcome == "created"));
        await DeleteAsync(client, "once");

        var run = Assert.Single(runs);
        Assert.Equal(due, run.DueAt);
        Assert.Equal(first.Body.GetProperty("id").GetString(), run.TaskId);
    }

    [Fact]
    public async Task Trigger_makes_a_task_now_and_pause_stops_the_due_times()
    {
        var client = ApiTestExtensions.UniqueClient("sched");
        await PutAsync(client, "manual", """{"task":{"type":"sum2","params":{"first":2,"second":2}},"cron":"0 0 1 1 *"}""");

        var paused = await _http.SendRawAsync(HttpMethod.Post, $"/schedules/manual/pause?client={client}");
        var triggered = await _http.SendRawAsync(HttpMethod.Post, $"/schedules/manual/trigger?client={client}");
        var (_, read) = await _http.GetJsonAsync($"/schedules/manual?client={client}");
        var resumed = await _http.SendRawAsync(HttpMethod.Post, $"/schedules/manual/resume?client={client}");

        Assert.Equal(HttpStatusCode.OK, paused.Status);
        Assert.True(paused.Body.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, paused.Body.GetProperty("nextDue").ValueKind);
        Assert.Equal(HttpStatusCode.OK, triggered.Status);
        Assert.Equal("created", triggered.Body.GetProperty("outcome").GetString());
        Assert.True(triggered.Body.GetProperty("triggered").GetBoolean());
        Assert.Equal(triggered.Body.GetProperty("taskId").GetString(), read.GetProperty("lastTaskId").GetString());
        Assert.False(resumed.Body.GetProperty("paused").GetBoolean());
        var (_, task) = await _http.GetJsonAsync($"/tasks/{triggered.Body.GetProperty("taskId").GetString()}");
        Assert.Equal("4", task.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Delete_forgets_the_schedule_and_its_listing()
    {
        var client = ApiTestExtensions.UniqueClient("sched");
        await PutAsync(client, "a", """{"task":{"type":"sum2","params":{"first":1,"second":2}},"cron":"0 2 * * *"}""");
        await PutAsync(client, "b", """{"task":{"type":"sum2","params":{"first":1,"second":2}},"cron":"0 3 * * *"}""");

        var (_, before) = await _http.GetJsonAsync($"/schedules?client={client}");
        var deleted = await _http.SendRawAsync(HttpMethod.Delete, $"/schedules/a?client={client}");
        var (_, after) = await _http.GetJsonAsync($"/schedules?client={client}");
        var gone = await _http.SendRawAsync(HttpMethod.Get, $"/schedules/a?client={client}");
        var again = await _http.SendRawAsync(HttpMethod.Delete, $"/schedules/a?client={client}");

        Assert.Equal(["a", "b"], Ids(before));
        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        Assert.Equal(["b"], Ids(after));
        gone.AssertProblem(HttpStatusCode.NotFound, code: "not-found");
        again.AssertProblem(HttpStatusCode.NotFound, code: "not-found");
    }

    [Fact]
    public async Task Overlap_skip_makes_no_task_while_the_previous_one_runs()
    {
        var client = ApiTestExtensions.UniqueClient("sched");
        await PutAsync(client, "skip", """{"task":{"type":"count","params":{"to":100000,"delay_ms":50}},"every":"PT1S","overlap":"skip"}""");

        var runs = await WaitForRunsAsync(client, "skip", r => r.Count(x => x.Outcome == "skipped") >= 2);
        await DeleteAsync(client, "skip");

        var created = Assert.Single(runs, r => r.Outcome == "created");
        await _http.CancelQuietlyAsync(created.TaskId);
        Assert.All(runs.Where(r => r.Outcome == "skipped"), r => Assert.Contains(created.TaskId!, r.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Overlap_buffer_one_makes_one_task_that_waits_for_the_previous_to_end()
    {
        var client = ApiTestExtensions.UniqueClient("sched");
        await PutAsync(client, "buffer", """{"task":{"type":"count","params":{"to":100000,"delay_ms":50}},"every":"PT1S","overlap":"buffer_one"}""");
        var runs = await WaitForRunsAsync(client, "buffer", r => r.Any(x => x.Outcome == "buffered") && r.Any(x => x.Outcome == "skipped"));
        var first = Assert.Single(runs, r => r.Outcome == "created");

        var cancelled = await _http.CommandAsync(first.TaskId!, "cancel");
        var after = await WaitForRunsAsync(client, "buffer", r => r.Count(x => x.Outcome == "created") >= 2);
        await DeleteAsync(client, "buffer");

        Assert.Equal(HttpStatusCode.OK, cancelled.Status);
        var buffered = Assert.Single(runs, r => r.Outcome == "buffered");
        var second = after.Where(r => r.Outcome == "created").First(r => r.TaskId != first.TaskId);
        Assert.Equal(buffered.DueAt, second.DueAt); // The buffered due time's task, made once the first ended.
        foreach (var run in after.Where(r => r.Outcome == "created"))
        {
            await _http.CancelQuietlyAsync(run.TaskId);
        }
    }

    [Fact]
    public async Task Overlap_allow_makes_a_task_beside_the_running_one()
    {
        var client = ApiTestExtensions.UniqueClient("sched");
        await PutAsync(client, "allow", """{"task":{"type":"count","params":{"to":100000,"delay_ms":50}},"every":"PT1S","overlap":"allow"}""");

        var runs = await WaitForRunsAsync(client, "allow", r => r.Count(x => x.Outcome == "created") >= 2);
        await DeleteAsync(client, "allow");

        var created = runs.Where(r => r.Outcome == "created").ToList();
        Assert.DoesNotContain(runs, r => r.Outcome is "skipped" or "buffered");
        foreach (var run in created)
        {
            var (_, task) = await _http.GetJsonAsync($"/tasks/{run.TaskId}");
            Assert.True(task.Status() is "running" or "queued", $"task {run.TaskId} should still run: {task}");
        }

        foreach (var run in created)
        {
            await _http.CancelQuietlyAsync(run.TaskId);
        }
    }

    [Fact]
    public async Task Overlap_cancel_running_cancels_the_old_run_and_starts_the_new_one()
    {
        var client = ApiTestExtensions.UniqueClient("sched");
        await PutAsync(client, "cancel", """{"task":{"type":"count","params":{"to":100000,"delay_ms":50}},"every":"PT1S","overlap":"cancel_running"}""");

        var runs = await WaitForRunsAsync(client, "cancel", r => r.Count(x => x.Outcome == "created") >= 2);
        await DeleteAsync(client, "cancel");

        var created = runs.Where(r => r.Outcome == "created").ToList();
        var (newest, older) = (created[0], created[1]);
        Assert.Contains(older.TaskId!, newest.Detail, StringComparison.Ordinal);
        var (_, old) = await _http.GetJsonAsync($"/tasks/{older.TaskId}");
        Assert.Equal("cancelled", old.Status());
        foreach (var run in created)
        {
            await _http.CancelQuietlyAsync(run.TaskId);
        }
    }

    [Fact]
    public async Task A_suspended_process_refuses_the_firing_and_the_run_says_so()
    {
        var client = ApiTestExtensions.UniqueClient("sched");
        await PutAsync(client, "refused", """{"task":{"type":"mult3","params":{"first":1,"second":2,"third":3}},"cron":"0 0 1 1 *"}""");
        var suspend = await _http.PutTextAsync("/processes/mult3", """{"status":"suspended","reason":"schedule test"}""");
        Assert.Equal(HttpStatusCode.OK, suspend.Status);
        try
        {
            var triggered = await _http.SendRawAsync(HttpMethod.Post, $"/schedules/refused/trigger?client={client}");

            Assert.Equal(HttpStatusCode.OK, triggered.Status);
            Assert.Equal("refused", triggered.Body.GetProperty("outcome").GetString());
            Assert.Contains("suspended", triggered.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            _ = await _http.PutTextAsync("/processes/mult3", """{"status":"active"}""");
            await DeleteAsync(client, "refused");
        }
    }

    internal sealed record Run(DateTimeOffset DueAt, string Outcome, string? TaskId, string? Detail);

    private async Task<ApiResponse> PutAsync(string client, string id, string body)
    {
        var withClient = body.Insert(1, $"\"client\":\"{client}\",");
        var response = await _http.PutTextAsync($"/schedules/{id}", withClient);
        Assert.True(response.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"PUT /schedules/{id}: {(int)response.Status} {response.Body}");
        return response;
    }

    private async Task DeleteAsync(string client, string id) => _ = await _http.SendRawAsync(HttpMethod.Delete, $"/schedules/{id}?client={client}");

    private async Task<IReadOnlyList<Run>> WaitForRunsAsync(string client, string id, Func<IReadOnlyList<Run>, bool> until)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var (status, body) = await _http.GetJsonAsync($"/schedules/{id}/runs?client={client}");
            Assert.Equal(HttpStatusCode.OK, status);
            var runs = Runs(body);
            if (until(runs))
            {
                return runs;
            }

            Assert.True(DateTime.UtcNow < deadline, $"schedule {id} did not make the expected runs in time: {body}");
            await Task.Delay(200);
        }
    }

    internal static IReadOnlyList<Run> Runs(JsonElement body) =>
        [.. body.GetProperty("items").EnumerateArray().Select(r => new Run(
            r.GetProperty("dueAt").GetDateTimeOffset(),
            r.GetProperty("outcome").GetString()!,
            r.GetProperty("taskId").GetString(),
            r.GetProperty("detail").GetString()))];

    private static List<string> Ids(JsonElement list) => [.. list.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];
}
