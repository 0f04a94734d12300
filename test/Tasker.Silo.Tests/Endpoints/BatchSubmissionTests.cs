using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests;

/// <summary><c>POST /tasks/batch</c>: many submissions in one request, one result per item in order.</summary>
[Collection(ApiCollection.Name)]
public sealed class BatchSubmissionTests(TaskerApiFixture api)
{
    private readonly HttpClient _http = api.CreateClient();

    [Fact]
    public async Task A_batch_answers_each_item_in_order_and_a_bad_item_does_not_sink_the_others()
    {
        var client = ApiTestExtensions.UniqueClient("batch");
        var first = Random.Shared.NextInt64(1_000_000, 9_000_000);
        var key = Guid.NewGuid().ToString("N");
        var body = $$"""
            [
              {"type":"sum2","params":{"first":{{first}},"second":1},"client":"{{client}}"},
              {"type":"sum2","params":{"first":"one","second":1},"client":"{{client}}"},
              {"type":"no-such-type","params":{},"client":"{{client}}"},
              {"type":"count","params":{"to":3,"delay_ms":10},"client":"{{client}}","priority":"high"},
              {"type":"mult3","params":{"first":{{first}},"second":2,"third":3},"client":"{{client}}","idempotency_key":"{{key}}"},
              {"type":"mult3","params":{"first":{{first}},"second":2,"third":3},"client":"{{client}}","idempotency_key":"{{key}}"},
              "not an object",
              {"type":"sum2","params":{"first":1,"second":2},"client":"{{client}}","idempotency_key":"{{new string('k', 201)}}"}
            ]
            """;

        var (status, answer) = await _http.PostJsonAsync("/tasks/batch", body);

        Assert.Equal(HttpStatusCode.OK, status);
        var results = answer.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([202, 400, 400, 202, 202, 202, 400, 400], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal(4, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(4, answer.GetProperty("refused").GetInt32());

        var sum = results[0].GetProperty("task");
        Assert.Equal("succeeded", sum.Status());
        Assert.Equal(first + 1, sum.GetProperty("result").GetInt64());
        Assert.True(results[1].GetProperty("problem").GetProperty("errors").TryGetProperty("params.first", out _), results[1].GetRawText());
        Assert.Contains("no-such-type", results[2].GetProperty("problem").GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid-request", results[2].GetProperty("problem").GetProperty("code").GetString());
        Assert.Equal("high", results[3].GetProperty("task").GetProperty("priority").GetString());
        Assert.Equal(Id(results[4]), Id(results[5])); // one key, one task
        Assert.Contains("object", results[6].GetProperty("problem").GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid-idempotency-key", results[7].GetProperty("problem").GetProperty("code").GetString()); // too long

        // Every accepted task is an ordinary task: readable by id, in its client's history, and it ends.
        await _http.WaitForStatusAsync(Id(results[3]), "succeeded");
        var (_, history) = await _http.GetJsonAsync($"/clients/{client}/tasks");
        Assert.Equal(
            new[] { Id(results[0]), Id(results[3]), Id(results[4]) }.Order(StringComparer.Ordinal),
            history.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_batchs_tasks_list_in_the_order_of_its_items_newest_last()
    {
        var client = ApiTestExtensions.UniqueClient("batch-order");
        var items = Enumerable.Range(0, 40).Select(i => $$"""{"type":"sum2","params":{"first":{{i}},"second":1},"client":"{{client}}"}""");

        var (status, answer) = await _http.PostJsonAsync("/tasks/batch", $"[{string.Join(',', items)}]");

        Assert.Equal(HttpStatusCode.OK, status);
        var ids = answer.GetProperty("results").EnumerateArray().Select(Id).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids); // Stored at once, yet their ids follow the items.
        var (_, history) = await _http.GetJsonAsync($"/clients/{client}/tasks?limit=100");
        Assert.Equal(Enumerable.Reverse(ids), history.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()!));
    }

    [Theory]
    [InlineData("""{"type":"sum2"}""", "invalid-request")]
    [InlineData("[]", "invalid-batch")]
    [InlineData("[1,", "malformed-json")]
    public async Task A_body_that_is_not_a_batch_is_a_400_that_names_the_problem(string body, string code)
    {
        var (status, problem) = await _http.PostJsonAsync("/tasks/batch", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_batch_of_more_than_1000_items_is_refused_whole()
    {
        var item = """{"type":"sum2"}"""; // short: the count is refused before any item is read
        var body = "[" + string.Join(",", Enumerable.Repeat(item, 1_001)) + "]";

        var (status, problem) = await _http.PostJsonAsync("/tasks/batch", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid-batch", problem.GetProperty("code").GetString());
        Assert.Contains("1,001", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static string Id(JsonElement result) => result.GetProperty("task").GetProperty("id").GetString()!;
}
