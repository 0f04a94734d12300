using System.Net;
using System.Text;
using System.Text.Json;

namespace Tasker.Silo.Tests.Shell;

/// <summary>Shell tasks over HTTP, with the test playing the agent: queueing, order, leases, fencing, the queue alarm, 004's requests.</summary>
[Collection(ShellCollection.Name)]
public sealed class ShellTaskTests(ShellApiFixture api) : IAsyncLifetime
{
    private readonly HttpClient _http = api.CreateClient();
    private readonly HttpClient _agent = api.Agent();

    public Task InitializeAsync() => api.DrainAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<string> SubmitShellAsync(string command, string priority = "normal", string? client = null)
    {
        var (status, body) = await _http.PostJsonAsync("/tasks", JsonSerializer.Serialize(new
        {
            type = "shell",
            @params = new { command },
            client = client ?? ApiTestExtensions.UniqueClient("shell"),
            priority,
        }));
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("queued", body.Status());
        return body.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> PickAsync(HttpClient? agent = null)
    {
        var (status, picked) = await (agent ?? _agent).GetJsonAsync("/tasks/pick");
        Assert.Equal(HttpStatusCode.OK, status);
        return picked;
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> FinishAsync(string id, string lease, int exitCode = 0, string stdout = "") =>
        _agent.PostJsonAsync($"/tasks/{id}/finish", JsonSerializer.Serialize(new { lease, exitCode, stdout, stderr = "" }));

    private static string Lease(JsonElement picked) => picked.GetProperty("lease").GetString()!;

    [Fact]
    public async Task A_shell_task_waits_queued_until_an_agent_picks_it_and_ends_with_the_agents_report()
    {
        var id = await SubmitShellAsync("echo hello");
        await Task.Delay(300);
        Assert.Equal("queued", (await _http.GetJsonAsync($"/tasks/{id}")).Body.Status()); // Never run in the silo.

        var picked = await PickAsync();
        Assert.Equal(id, picked.GetProperty("id").GetString());
        Assert.Equal("echo hello", picked.GetProperty("command").GetString());
        Assert.Equal(60, picked.GetProperty("timeoutSeconds").GetInt32());
        Assert.Equal("running", (await _http.GetJsonAsync($"/tasks/{id}")).Body.Status());

        var (status, task) = await FinishAsync(id, Lease(picked), 0, "hello\n");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("succeeded", task.Status());
        var result = task.GetProperty("result");
        Assert.Equal(0, result.GetProperty("exit_code").GetInt32());
        Assert.Equal("hello\n", result.GetProperty("stdout").GetString());
        Assert.Equal("test-agent", result.GetProperty("agent").GetString());
    }

    [Fact]
    public async Task A_non_zero_exit_code_fails_the_task_and_keeps_the_output()
    {
        var id = await SubmitShellAsync("exit 3");
        var picked = await PickAsync();
        var (_, task) = await FinishAsync(id, Lease(picked), 3, "partial");
        Assert.Equal("failed", task.Status());
        Assert.Contains("exited with code 3", task.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("partial", task.GetProperty("result").GetProperty("stdout").GetString());
    }

    [Fact]
    public async Task Finish_and_pick_stores_the_report_and_hands_the_next_task_leased_to_the_same_agent()
    {
        var first = await SubmitShellAsync("echo first");
        var second = await SubmitShellAsync("echo second");
        var picked = await PickAsync(api.Agent("chain"));

        var (status, answer) = await api.Agent("chain").PostJsonAsync($"/tasks/{first}/finish-and-pick",
            JsonSerializer.Serialize(new { lease = Lease(picked), exitCode = 0, stdout = "first\n", stderr = "" }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("succeeded", answer.GetProperty("task").Status());
        Assert.Equal("first\n", answer.GetProperty("task").GetProperty("result").GetProperty("stdout").GetString());
        var next = answer.GetProperty("next");
        Assert.Equal(second, next.GetProperty("id").GetString());
        Assert.Equal("echo second", next.GetProperty("command").GetString());
        Assert.Equal($"/tasks/{second}/finish", next.GetProperty("links").GetProperty("finish").GetString());

        // The next task is leased as a pick leases it: to that agent, running, and its lease finishes it.
        var (_, running) = await _http.GetJsonAsync($"/tasks/{second}");
        Assert.Equal("running", running.Status());
        var (_, agents) = await _http.GetJsonAsync("/agents");
        Assert.Equal(second, agents.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "chain").GetProperty("currentTask").GetString());
        var (last, done) = await api.Agent("chain").PostJsonAsync($"/tasks/{second}/finish-and-pick",
            JsonSerializer.Serialize(new { lease = Lease(next), exitCode = 0 }));
        Assert.Equal(HttpStatusCode.OK, last);
        Assert.Equal("succeeded", done.GetProperty("task").Status());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("next").ValueKind); // Nothing queued: it does not wait.
        Assert.Equal("chain", done.GetProperty("task").GetProperty("result").GetProperty("agent").GetString());
    }

    [Fact]
    public async Task A_pick_ahead_leases_the_queued_task_as_a_pick_does_and_its_report_picks_ahead_again()
    {
        var first = await SubmitShellAsync("echo one");
        var second = await SubmitShellAsync("echo two");
        var (status, held) = await api.Agent("ahead").GetJsonAsync("/tasks/pick?ahead=true");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(first, held.GetProperty("id").GetString());
        Assert.Equal("running", (await _http.GetJsonAsync($"/tasks/{first}")).Body.Status());

        var (reported, answer) = await api.Agent("ahead").PostJsonAsync($"/tasks/{first}/finish-and-pick?ahead=true",
            JsonSerializer.Serialize(new { lease = Lease(held), exitCode = 0 }));
        Assert.Equal(HttpStatusCode.OK, reported);
        Assert.Equal("succeeded", answer.GetProperty("task").Status());
        Assert.Equal(second, answer.GetProperty("next").GetProperty("id").GetString());
        var (_, done) = await FinishAsync(second, Lease(answer.GetProperty("next")));
        Assert.Equal("succeeded", done.Status());
    }

    [Fact]
    public async Task A_stale_or_forged_finish_and_pick_is_a_409_that_stores_nothing_and_picks_nothing()
    {
        var id = await SubmitShellAsync("echo once");
        var waiting = await SubmitShellAsync("echo waiting");
        var picked = await PickAsync();

        var (forged, problem) = await _agent.PostJsonAsync($"/tasks/{id}/finish-and-pick",
            JsonSerializer.Serialize(new { lease = Lease(picked) + "x", exitCode = 0 }));
        Assert.Equal(HttpStatusCode.Conflict, forged);
        Assert.Equal("stale-lease", problem.GetProperty("code").GetString());
        Assert.Equal("queued", (await _http.GetJsonAsync($"/tasks/{waiting}")).Body.Status()); // Not handed to anyone.

        Assert.Equal(HttpStatusCode.OK, (await FinishAsync(id, Lease(picked))).Status);
        var version = (await _http.GetJsonAsync($"/tasks/{id}")).Body.GetProperty("version").GetInt64();
        var (stale, _) = await _agent.PostJsonAsync($"/tasks/{id}/finish-and-pick",
            JsonSerializer.Serialize(new { lease = Lease(picked), exitCode = 1, stdout = "again" }));
        Assert.Equal(HttpStatusCode.Conflict, stale);
        var (_, after) = await _http.GetJsonAsync($"/tasks/{id}");
        Assert.Equal(version, after.GetProperty("version").GetInt64());
        Assert.Equal("succeeded", after.Status());
        Assert.Equal("queued", (await _http.GetJsonAsync($"/tasks/{waiting}")).Body.Status());

        var (unknown, _) = await _agent.PostJsonAsync($"/tasks/{Guid.NewGuid():N}/finish-and-pick",
            JsonSerializer.Serialize(new { lease = "1-00", exitCode = 0 }));
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal("queued", (await _http.GetJsonAsync($"/tasks/{waiting}")).Body.Status());
    }

    [Fact]
    public async Task Pick_hands_out_high_priority_first_then_the_earliest()
    {
        var low = await SubmitShellAsync("echo low", "low");
        var first = await SubmitShellAsync("echo first");
        var second = await SubmitShellAsync("echo second");
        var high = await SubmitShellAsync("echo high", "high");

        var order = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var picked = await PickAsync();
            order.Add(picked.GetProperty("id").GetString()!);
            await FinishAsync(order[^1], Lease(picked));
        }

        Assert.Equal([high, first, second, low], order);
        Assert.Equal(HttpStatusCode.NoContent, (await _agent.GetJsonAsync("/tasks/pick")).Status);
    }

    [Fact]
    public async Task A_waiting_pick_gets_a_task_submitted_meanwhile_at_once()
    {
        var waiting = _agent.GetJsonAsync("/tasks/pick?wait=10");
        await Task.Delay(500);
        var started = DateTime.UtcNow;
        var id = await SubmitShellAsync("echo soon");
        var (status, picked) = await waiting;
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, picked.GetProperty("id").GetString());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), "the waiting pick should answer as soon as the task is queued");
        await FinishAsync(id, Lease(picked));
    }

    [Fact]
    public async Task An_empty_queue_answers_204_after_the_wait()
    {
        var started = DateTime.UtcNow;
        var (status, _) = await _agent.GetJsonAsync("/tasks/pick?wait=1");
        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9));
    }

    [Fact]
    public async Task Heartbeats_keep_the_lease_past_its_duration_and_the_finish_is_accepted()
    {
        var id = await SubmitShellAsync("sleep 5");
        var picked = await PickAsync();
        var until = DateTime.UtcNow + ShellApiFixture.Lease * 2.5;
        while (DateTime.UtcNow < until)
        {
            var (status, beat) = await _agent.PostJsonAsync($"/tasks/{id}/heartbeat", JsonSerializer.Serialize(new { lease = Lease(picked) }));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.False(beat.GetProperty("cancel").GetBoolean());
        }

        var (finished, task) = await FinishAsync(id, Lease(picked));
        Assert.Equal(HttpStatusCode.OK, finished);
        Assert.Equal(1, task.GetProperty("result").GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task An_expired_lease_puts_the_task_back_and_the_old_lease_can_no_longer_finish()
    {
        var id = await SubmitShellAsync("echo again");
        var first = await PickAsync(api.Agent("dies"));

        var (status, second) = await _agent.GetJsonAsync("/tasks/pick?wait=10");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, second.GetProperty("id").GetString());
        Assert.Equal(2, second.GetProperty("attempt").GetInt32());

        var (late, problem) = await FinishAsync(id, Lease(first));
        Assert.Equal(HttpStatusCode.Conflict, late);
        Assert.Equal("stale-lease", problem.GetProperty("code").GetString());
        Assert.Equal("running", (await _http.GetJsonAsync($"/tasks/{id}")).Body.Status()); // Nothing changed.

        Assert.Equal(HttpStatusCode.OK, (await FinishAsync(id, Lease(second))).Status);
        var (twice, again) = await FinishAsync(id, Lease(second));
        Assert.Equal(HttpStatusCode.Conflict, twice);
        Assert.Contains("succeeded", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_task_whose_lease_expires_max_attempts_times_fails_with_the_reason()
    {
        var id = await SubmitShellAsync("echo never");
        for (var attempt = 1; attempt <= ShellApiFixture.MaxAttempts; attempt++)
        {
            var (status, picked) = await _agent.GetJsonAsync("/tasks/pick?wait=10");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(attempt, picked.GetProperty("attempt").GetInt32());
        }

        var task = await _http.WaitForStatusAsync(id, "failed");
        Assert.Contains("lease expired 2 times", task.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("MaxAttempts", task.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_running_shell_task_tells_the_agent_at_its_heartbeat()
    {
        var id = await SubmitShellAsync("sleep 600");
        var picked = await PickAsync();
        var beat = _agent.PostJsonAsync($"/tasks/{id}/heartbeat", JsonSerializer.Serialize(new { lease = Lease(picked) }));
        await Task.Delay(200);
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(HttpMethod.Post, $"/tasks/{id}/cancel")).Status);
        var (status, answer) = await beat;
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(answer.GetProperty("cancel").GetBoolean()); // The waiting heartbeat hears of it at once.
        Assert.Equal(HttpStatusCode.Conflict, (await FinishAsync(id, Lease(picked))).Status);
        Assert.Equal("cancelled", (await _http.GetJsonAsync($"/tasks/{id}")).Body.Status());
    }

    [Fact]
    public async Task Pausing_a_shell_task_is_a_409_that_says_to_cancel_instead()
    {
        var id = await SubmitShellAsync("sleep 600");
        var picked = await PickAsync();
        var (status, problem) = await _http.SendAsync(HttpMethod.Post, $"/tasks/{id}/pause");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("cannot be paused", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await FinishAsync(id, Lease(picked));
    }

    [Fact]
    public async Task A_cancelled_queued_task_is_never_offered()
    {
        var id = await SubmitShellAsync("echo never");
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(HttpMethod.Post, $"/tasks/{id}/cancel")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await _agent.GetJsonAsync("/tasks/pick")).Status);
    }

    [Fact]
    public async Task A_released_task_is_offered_again_at_once_without_counting_an_attempt()
    {
        var id = await SubmitShellAsync("echo released");
        var picked = await PickAsync();
        var (status, task) = await _agent.PostJsonAsync($"/tasks/{id}/release", JsonSerializer.Serialize(new { lease = Lease(picked) }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("queued", task.Status());
        var again = await PickAsync();
        Assert.Equal(id, again.GetProperty("id").GetString());
        Assert.Equal(1, again.GetProperty("attempt").GetInt32());
        await FinishAsync(id, Lease(again));
    }

    [Fact]
    public async Task Output_beyond_the_cap_is_cut_and_marked_truncated()
    {
        var id = await SubmitShellAsync("yes");
        var picked = await PickAsync();
        var (_, task) = await FinishAsync(id, Lease(picked), 0, new string('y', 5000));
        var result = task.GetProperty("result");
        Assert.Equal(1024, Encoding.UTF8.GetByteCount(result.GetProperty("stdout").GetString()!));
        Assert.True(result.GetProperty("stdout_truncated").GetBoolean());
        Assert.False(result.GetProperty("stderr_truncated").GetBoolean());
    }

    [Fact]
    public async Task The_shell_process_turns_queue_when_tasks_wait_unpicked_and_active_at_the_next_pick()
    {
        var id = await SubmitShellAsync("echo waits");
        JsonElement process = default;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            process = (await _http.GetJsonAsync("/processes/shell")).Body;
            if (process.Status() == "queue")
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal("queue", process.Status());
        Assert.Contains("no agent has picked", process.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var picked = await PickAsync();
        Assert.Equal("active", (await _http.GetJsonAsync("/processes/shell")).Body.Status());
        await FinishAsync(id, Lease(picked));
    }

    [Fact]
    public async Task System_004s_requests_work_as_its_readme_shows_them()
    {
        var (status, created) = await _http.PostJsonAsync("/tasks", """{"command":"echo hello"}""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("shell", created.GetProperty("type").GetString());
        Assert.Equal("004", created.GetProperty("client").GetString());
        var id = created.GetProperty("id").GetString()!;

        var (listed, page) = await _http.GetJsonAsync("/tasks");
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Contains(page.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetString() == id && t.Status() == "queued");

        var picked = await PickAsync();
        Assert.Equal(id, picked.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, (await FinishAsync(id, Lease(picked), 0, "hello\n")).Status);

        var (found, task) = await _http.GetJsonAsync($"/tasks/{id}");
        Assert.Equal(HttpStatusCode.OK, found);
        Assert.Equal("succeeded", task.Status());
        Assert.Equal("hello\n", task.GetProperty("result").GetProperty("stdout").GetString());
    }

    [Fact]
    public async Task The_agents_list_shows_each_agent_with_its_task_and_when_it_was_last_seen()
    {
        var id = await SubmitShellAsync("sleep 1");
        var worker = api.Agent("lister-1");
        var picked = await PickAsync(worker);
        var (_, view) = await _http.GetJsonAsync("/agents");
        var agent = view.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "lister-1");
        Assert.Equal(id, agent.GetProperty("currentTask").GetString());
        Assert.True(DateTimeOffset.UtcNow - agent.GetProperty("lastSeen").GetDateTimeOffset() < TimeSpan.FromSeconds(10));
        await FinishAsync(id, Lease(picked));
    }
}
