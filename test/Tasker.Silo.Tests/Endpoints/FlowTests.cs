using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests.Endpoints;

/// <summary>
/// Flows (<c>after</c>, <c>after_policy</c>): a task waits for its parents and starts after the last one ends, never
/// before; a parent that did not succeed ends it <c>dependency-failed</c> under <c>all_succeeded</c> and lets it run under
/// <c>all_ended</c>; <c>sum-results</c> reads its parents' results; a batch is a flow in one request; and every bad input
/// is a 4xx naming its field.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FlowTests(TaskerApiFixture api)
{
    private static readonly TimeSpan _oneSecond = TimeSpan.FromSeconds(1);
    private readonly HttpClient _http = api.CreateClient();

    [Fact]
    public async Task A_child_waits_for_its_parents_then_starts_after_the_last_ends_and_sums_their_results_in_order()
    {
        var client = ApiTestExtensions.UniqueClient("flow");
        var slow = await _http.SubmitAsync("count", Count(8), client);
        var quick = await _http.SubmitAsync("count", Count(3), client);

        var child = await SubmitAsync(client, "sum-results", "{}", [slow, quick]);
        Assert.Equal(HttpStatusCode.Accepted, child.Status);
        Assert.Equal("waiting", child.Body.Status());
        Assert.Equal([slow, quick], child.Body.GetProperty("after").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal("all_succeeded", child.Body.GetProperty("afterPolicy").GetString());
        var id = child.Body.GetProperty("id").GetString()!;
        Assert.Equal([id], (await _http.GetJsonAsync($"/tasks?client={client}&status=waiting")).Body.Ids());

        var done = await _http.WaitForStatusAsync(id, "succeeded");

        Assert.Equal("11", done.GetProperty("result").GetRawText());
        var lastEnd = DateTimeOffset.MinValue;
        foreach (var parent in new[] { slow, quick })
        {
            var finished = await FinishedAt(_http, parent);
            lastEnd = finished > lastEnd ? finished : lastEnd;
        }

        var started = done.GetProperty("startedAt").GetDateTimeOffset();
        Assert.True(started >= lastEnd, $"started at {started:O}, before its last parent ended at {lastEnd:O}");
        Assert.True(started - lastEnd < _oneSecond, $"started {started - lastEnd} after its last parent ended");
    }

    [Fact]
    public async Task A_parent_that_has_already_ended_is_judged_at_once()
    {
        var client = ApiTestExtensions.UniqueClient("flow-ended");
        var parent = await _http.SubmitAsync("sum2", """{"first":20,"second":22}""", client);

        var child = await SubmitAsync(client, "sum-results", "{}", [parent]);

        Assert.Equal("succeeded", child.Body.Status());
        Assert.Equal("42", child.Body.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task A_chain_runs_in_order_each_link_after_the_one_before()
    {
        var client = ApiTestExtensions.UniqueClient("flow-chain");
        var ids = new List<string> { await _http.SubmitAsync("count", Count(3), client) };
        for (var i = 0; i < 4; i++)
        {
            var link = await SubmitAsync(client, "count", Count(3), [ids[^1]]);
            Assert.Equal("waiting", link.Body.Status());
            ids.Add(link.Body.GetProperty("id").GetString()!);
        }

        var tasks = new List<JsonElement>();
        foreach (var id in ids)
        {
            tasks.Add(await _http.WaitForStatusAsync(id, "succeeded"));
        }

        for (var i = 1; i < tasks.Count; i++)
        {
            Assert.True(tasks[i].GetProperty("startedAt").GetDateTimeOffset() >= tasks[i - 1].GetProperty("finishedAt").GetDateTimeOffset(),
                $"link {i} started before link {i - 1} ended: {tasks[i]} / {tasks[i - 1]}");
        }
    }

    [Theory]
    [InlineData("cancelled")]
    [InlineData("deleted")]
    [InlineData("failed")]
    public async Task Under_all_succeeded_a_parent_that_did_not_succeed_ends_the_child_dependency_failed_naming_it_and_under_all_ended_it_runs(string end)
    {
        var client = ApiTestExtensions.UniqueClient("flow-fail");
        var parent = await ParentThatWillEndAsync(client, end);
        var strict = await SubmitAsync(client, "sum2", """{"first":1,"second":1}""", [parent]);
        var lenient = await SubmitAsync(client, "sum2", """{"first":1,"second":2}""", [parent], policy: "all_ended");
        Assert.Equal("waiting", strict.Body.Status());

        var endedAt = DateTimeOffset.UtcNow;
        await EndAsync(parent, end);

        var failed = await _http.WaitForStatusAsync(strict.Body.GetProperty("id").GetString()!, "cancelled");
        Assert.Equal("dependency-failed", failed.GetProperty("errorCode").GetString());
        Assert.Contains(parent, failed.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("startedAt").ValueKind);
        Assert.True(failed.GetProperty("finishedAt").GetDateTimeOffset() - endedAt < _oneSecond, $"ended {failed} more than 1 s after its parent");

        var ran = await _http.WaitForStatusAsync(lenient.Body.GetProperty("id").GetString()!, "succeeded");
        Assert.Equal("3", ran.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task A_waiting_child_can_be_cancelled_or_deleted_and_then_never_runs()
    {
        var client = ApiTestExtensions.UniqueClient("flow-cancel");
        var parent = await _http.SubmitAsync("count", Count(10), client);
        var cancelled = (await SubmitAsync(client, "sum2", """{"first":1,"second":1}""", [parent])).Body.GetProperty("id").GetString()!;
        var deleted = (await SubmitAsync(client, "sum2", """{"first":1,"second":1}""", [parent])).Body.GetProperty("id").GetString()!;

        Assert.Equal("cancelled", (await _http.CommandAsync(cancelled, "cancel")).Body.Status());
        Assert.Equal(HttpStatusCode.NoContent, (await _http.SendRawAsync(HttpMethod.Delete, $"/tasks/{deleted}")).Status);
        await _http.WaitForStatusAsync(parent, "succeeded");
        await Task.Delay(300);

        var (_, task) = await _http.GetJsonAsync($"/tasks/{cancelled}");
        Assert.Equal("cancelled", task.Status());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("startedAt").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetJsonAsync($"/tasks/{deleted}")).Status);
    }

    [Fact]
    public async Task A_batch_is_a_flow_in_one_request_whose_items_name_earlier_items()
    {
        var client = ApiTestExtensions.UniqueClient("flow-batch");
        var body = $$"""
            [
              {"type":"count","params":{{Count(3)}},"client":"{{client}}"},
              {"type":"sum2","params":{"first":2,"second":3},"client":"{{client}}"},
              {"type":"sum-results","client":"{{client}}","after":["#0","#1"]},
              {"type":"sum-results","client":"{{client}}","after":["#2","#0"],"after_policy":"all_ended"}
            ]
            """;

        var (status, batch) = await _http.PostJsonAsync("/tasks/batch", body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, batch.GetProperty("accepted").GetInt32());
        var ids = batch.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("task").GetProperty("id").GetString()!).ToArray();
        var third = batch.GetProperty("results")[2].GetProperty("task");
        Assert.Equal([ids[0], ids[1]], third.GetProperty("after").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal("8", (await _http.WaitForStatusAsync(ids[2], "succeeded")).GetProperty("result").GetRawText());
        Assert.Equal("11", (await _http.WaitForStatusAsync(ids[3], "succeeded")).GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task A_batch_item_that_names_a_refused_item_is_refused_and_nothing_waits_for_it()
    {
        var client = ApiTestExtensions.UniqueClient("flow-refused");
        var body = $$"""
            [
              {"type":"sum2","params":{"first":"x"},"client":"{{client}}"},
              {"type":"sum2","params":{"first":1,"second":1},"client":"{{client}}","after":["#0"]}
            ]
            """;

        var (_, batch) = await _http.PostJsonAsync("/tasks/batch", body);

        var second = batch.GetProperty("results")[1];
        Assert.Equal(422, second.GetProperty("status").GetInt32());
        Assert.Equal("parent-not-created", second.GetProperty("problem").GetProperty("code").GetString());
        Assert.Empty((await _http.GetJsonAsync($"/tasks?client={client}&status=waiting")).Body.Ids());
    }

    [Fact]
    public async Task Another_clients_task_or_one_that_does_not_exist_cannot_be_a_parent_404()
    {
        var owner = ApiTestExtensions.UniqueClient("flow-owner");
        var parent = await _http.SubmitAsync("count", Count(2), owner);

        var other = await SubmitAsync(ApiTestExtensions.UniqueClient("flow-other"), "sum2", """{"first":1,"second":1}""", [parent]);
        other.AssertProblem(HttpStatusCode.NotFound, errorKey: "after", code: "parent-not-found");

        var missing = await SubmitAsync(owner, "sum2", """{"first":1,"second":1}""", [TaskIds.New()]);
        missing.AssertProblem(HttpStatusCode.NotFound, errorKey: "after", code: "parent-not-found");
    }

    [Theory]
    [InlineData("\"after\":\"abc\"", "after")]
    [InlineData("\"after\":[\"\"]", "after")]
    [InlineData("\"after\":[7]", "after")]
    [InlineData("\"after\":[\"not-a-task\"]", "after")]
    [InlineData("\"after\":[\"#0\"]", "after")]
    [InlineData("\"after\":[],\"after_policy\":\"sometimes\"", "after_policy")]
    [InlineData("\"after_policy\":3", "after_policy")]
    [InlineData("\"after_policy\":\"all_ended\"", "after_policy")] // A policy for no parents is a mistake, not a default.
    [InlineData("\"after\":[],\"after_policy\":\"all_succeeded\"", "after_policy")]
    public async Task Bad_after_or_after_policy_is_a_400_naming_the_field(string fields, string field)
    {
        var response = await _http.PostTextAsync("/tasks", $$"""{"type":"sum2","params":{"first":1,"second":1},"client":"flow-bad",{{fields}}}""");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
    }

    [Fact]
    public async Task More_than_1000_parents_and_sum_results_without_parents_are_400s_naming_after()
    {
        var parents = string.Join(",", Enumerable.Range(0, 1_001).Select(_ => $"\"{TaskIds.New()}\""));
        var tooMany = await _http.PostTextAsync("/tasks", $$"""{"type":"sum2","params":{"first":1,"second":1},"client":"flow-many","after":[{{parents}}]}""");
        tooMany.AssertProblem(HttpStatusCode.BadRequest, errorKey: "after", detailContains: "at most 1,000");

        var none = await _http.PostTextAsync("/tasks", """{"type":"sum-results","client":"flow-none"}""");
        none.AssertProblem(HttpStatusCode.BadRequest, errorKey: "after");
    }

    [Theory]
    [InlineData("#1", 1)]
    [InlineData("#5", 1)]
    [InlineData("#x", 1)]
    public async Task A_batch_item_naming_itself_a_later_or_a_missing_item_is_a_400_naming_after(string reference, int item)
    {
        var body = $$"""
            [
              {"type":"sum2","params":{"first":1,"second":1},"client":"flow-ref"},
              {"type":"sum2","params":{"first":1,"second":1},"client":"flow-ref","after":["{{reference}}"]}
            ]
            """;

        var (_, batch) = await _http.PostJsonAsync("/tasks/batch", body);

        var result = batch.GetProperty("results")[item];
        Assert.Equal(400, result.GetProperty("status").GetInt32());
        Assert.True(result.GetProperty("problem").GetProperty("errors").TryGetProperty("after", out _), result.ToString());
    }

    /// <summary>A count of <paramref name="steps"/> steps of about 0.1 s, with a pause no other test uses: never answered from the cache.</summary>
    private static string Count(int steps) => $$"""{"to":{{steps}},"delay_ms":{{Tasker.Testing.UniqueParameters.Int(101, 160)}}}""";

    private Task<ApiResponse> SubmitAsync(string client, string type, string parametersJson, IEnumerable<string> after, string? policy = null)
    {
        var list = string.Join(",", after.Select(id => $"\"{id}\""));
        var policyField = policy is null ? "" : $",\"after_policy\":\"{policy}\"";
        return _http.PostTextAsync("/tasks", $$"""{"type":"{{type}}","params":{{parametersJson}},"client":"{{client}}","after":[{{list}}]{{policyField}}}""");
    }

    /// <summary>A parent that has not ended yet and will end as <paramref name="end"/> when <see cref="EndAsync"/> is called.</summary>
    private async Task<string> ParentThatWillEndAsync(string client, string end) => end switch
    {
        "cancelled" => await _http.SubmitAsync("count", Count(1_000), client),
        "deleted" => (await _http.PostTextAsync("/tasks", $$"""{"type":"sum2","params":{"first":1,"second":1},"client":"{{client}}","delay":"PT1H"}""")).Body.GetProperty("id").GetString()!,
        // A text's result is no number: a sum-results after it fails once it runs, which a scheduled parent holds back.
        "failed" => (await SubmitAsync(client, "sum-results", "{}",
            [(await _http.PostTextAsync("/tasks", $$"""{"type":"input","params":{"input_param":"words"},"client":"{{client}}","delay":"PT1H"}""")).Body.GetProperty("id").GetString()!])).Body.GetProperty("id").GetString()!,
        _ => throw new ArgumentOutOfRangeException(nameof(end), end, null),
    };

    private async Task EndAsync(string parent, string end)
    {
        switch (end)
        {
            case "cancelled":
                Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(parent, "cancel")).Status);
                break;
            case "deleted":
                Assert.Equal(HttpStatusCode.NoContent, (await _http.SendRawAsync(HttpMethod.Delete, $"/tasks/{parent}")).Status);
                break;
            case "failed":
                var grandparent = (await _http.GetJsonAsync($"/tasks/{parent}")).Body.GetProperty("after")[0].GetString()!;
                Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(grandparent, "run-now")).Status);
                await _http.WaitForStatusAsync(parent, "failed");
                break;
        }
    }

    private static async Task<DateTimeOffset> FinishedAt(HttpClient http, string id) =>
        (await http.GetJsonAsync($"/tasks/{id}")).Body.GetProperty("finishedAt").GetDateTimeOffset();
}
