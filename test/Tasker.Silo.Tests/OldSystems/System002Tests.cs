using System.Net;
using System.Text.Json;
using Tasker.Testing;

namespace Tasker.Silo.Tests.OldSystems;

/// <summary>
/// System 002 ("Tasker", Redis microservices): its README's curl requests in its order (sum, chat, sequence,
/// conversation, then a task's result and its deletion), with a real key for YOUR_SECRET_API_KEY (the fake chat
/// server's); what its user expects from each; the not-yet answer; and bad payloads named <c>payload.*</c>.
/// </summary>
public sealed class System002Tests(OldSystemsFixture fixture) : IClassFixture<OldSystemsFixture>
{
    private const string Key = FakeChatServer.ValidKey;

    private readonly HttpClient _http = fixture.CreateClient();

    [Fact]
    public async Task The_README_requests_in_order_answer_as_002s_user_expects()
    {
        var sum = await SubmitAsync("/sum", """
            {
                "payload": {
                    "num1": 5,
                    "num2": 7
                }
            }
            """);
        var chat = await SubmitAsync("/chat", $$"""
            {
                "payload": {
                    "question": "Tell us an interesting fact on a topic of your choice, keep it short",
                    "api_key": "{{Key}}"
                }
            }
            """);
        var sequence = await SubmitAsync("/sequence", """
            {
                "payload": {
                    "n": 5
                }
            }
            """);
        var conversation = await SubmitAsync("/conversation", $$"""
            {
                "payload": {
                    "topic": "AI",
                    "n": 4,
                    "api_key": "{{Key}}"
                }
            }
            """);

        // curl -s http://localhost:5001/task/TASK_ID: the result of each, once it is there.
        Assert.Equal("12", (await ResultAsync(sum)).GetRawText());
        Assert.Equal("15", (await ResultAsync(sequence)).GetRawText());
        Assert.Equal(FakeChatServer.Reply("Tell us an interesting fact on a topic of your choice, keep it short"),
            (await ResultAsync(chat)).GetProperty("answer").GetString());
        var turns = (await ResultAsync(conversation)).GetProperty("turns");
        Assert.Equal(4, turns.GetArrayLength());

        // curl -s -X DELETE http://localhost:5001/task/TASK_ID: gone, through both APIs.
        var delete = await _http.SendRawAsync(HttpMethod.Delete, $"/task/{sum}");
        Assert.Equal(HttpStatusCode.NoContent, delete.Status);
        (await _http.SendRawAsync(HttpMethod.Get, $"/task/{sum}")).AssertProblem(HttpStatusCode.NotFound);
        (await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{sum}")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_task_submitted_as_002_is_the_same_task_through_the_canonical_API()
    {
        var response = await _http.SendJsonAsync(HttpMethod.Post, "/sum", """{"payload":{"num1":0.1,"num2":0.2}}""");
        var id = response.Body.GetProperty("id").GetString()!;

        var (status, task) = await _http.GetJsonAsync($"/tasks/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(response.Location, task.GetProperty("links").GetProperty("self").GetString());
        Assert.Equal("sum2", task.GetProperty("type").GetString());
        Assert.Equal("002", task.GetProperty("client").GetString());
        Assert.Equal("""{"first":0.1,"second":0.2}""", task.GetProperty("params").GetRawText());
        Assert.Equal("0.3", task.GetProperty("result").GetRawText());
        var (_, history) = await _http.GetJsonAsync("/clients/002/tasks");
        Assert.Contains(id, history.Ids());
    }

    [Fact]
    public async Task Before_the_result_is_there_task_id_answers_clearly_that_it_is_not_ready()
    {
        fixture.Fake.Delay = TimeSpan.FromSeconds(3);
        try
        {
            var id = await SubmitAsync("/chat", $$$"""{"payload":{"question":"slow?","api_key":"{{{Key}}}"}}""");

            var early = await _http.SendRawAsync(HttpMethod.Get, $"/task/{id}");

            early.AssertProblem(HttpStatusCode.Conflict, code: "result-not-ready", detailContains: "not ready yet");
            Assert.Contains("running", early.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("succeeded", (await _http.WaitForStatusAsync(id, "succeeded")).Status());
            Assert.Equal(HttpStatusCode.OK, (await _http.SendRawAsync(HttpMethod.Get, $"/task/{id}")).Status);
        }
        finally
        {
            fixture.Fake.Delay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task The_same_sum_again_is_answered_from_the_cache_with_an_id_of_its_own()
    {
        var first = await _http.SendJsonAsync(HttpMethod.Post, "/sum", """{"payload":{"num1":40,"num2":2}}""");
        var again = await _http.SendJsonAsync(HttpMethod.Post, "/sum", """{"payload":{"num2":2,"num1":40.0}}""");

        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.True(again.Body.GetProperty("cached").GetBoolean());
        Assert.NotEqual(first.Body.GetProperty("id").GetString(), again.Body.GetProperty("id").GetString());
        Assert.Equal("42", again.Body.GetProperty("result").GetRawText());
    }

    [Theory]
    [InlineData("/sum", """{"payload":{"num1":"five","num2":7}}""", "payload.num1")]
    [InlineData("/sum", """{"payload":{"num1":5}}""", "payload.num2")]
    [InlineData("/sum", """{"payload":{"num1":5,"num2":7,"num3":9}}""", "payload.num3")]
    [InlineData("/sum", """{"payload":{"num1":8e28,"num2":1}}""", "payload.num1")]
    [InlineData("/sum", """{"payload":{"num1":70000000000000000000000000000,"num2":70000000000000000000000000000}}""", "payload")]
    [InlineData("/sum", """{"payload":{"num1":5,"num2":7,"first":3}}""", "payload.first")]
    [InlineData("/sum", """{"num1":5,"num2":7}""", "payload")]
    [InlineData("/sum", """{"payload":[5,7]}""", "payload")]
    [InlineData("/sequence", """{"payload":{"n":0}}""", "payload.n")]
    [InlineData("/sequence", """{"payload":{"n":"5"}}""", "payload.n")]
    [InlineData("/sequence", """{"payload":{}}""", "payload.n")]
    [InlineData("/chat", """{"payload":{"api_key":"k"}}""", "payload.question")]
    [InlineData("/chat", """{"payload":{"question":"why?"}}""", "payload.api_key")]
    [InlineData("/conversation", """{"payload":{"topic":"AI","n":0,"api_key":"k"}}""", "payload.n")]
    [InlineData("/conversation", """{"payload":{"n":4,"api_key":"k"}}""", "payload.topic")]
    public async Task Bad_payloads_get_a_400_naming_the_field_in_002s_words(string path, string body, string field)
    {
        var response = await _http.SendJsonAsync(HttpMethod.Post, path, body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
        Assert.DoesNotContain("params", response.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/sum")]
    [InlineData("/conversation")]
    public async Task Malformed_or_non_JSON_bodies_are_4xx_problems_not_500(string path)
    {
        (await _http.SendJsonAsync(HttpMethod.Post, path, """{"payload":""")).AssertProblem(HttpStatusCode.BadRequest, code: "malformed-json");
        (await _http.SendJsonAsync(HttpMethod.Post, path, "num1=5", "application/x-www-form-urlencoded")).AssertProblem(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task An_unknown_task_id_is_a_404_for_get_and_delete()
    {
        (await _http.SendRawAsync(HttpMethod.Get, "/task/TASK_ID")).AssertProblem(HttpStatusCode.NotFound);
        (await _http.SendRawAsync(HttpMethod.Delete, "/task/TASK_ID")).AssertProblem(HttpStatusCode.NotFound);
        (await _http.SendRawAsync(HttpMethod.Get, $"/task/{Guid.CreateVersion7():N}")).AssertProblem(HttpStatusCode.NotFound);
    }

    /// <summary>Submits as 002's curl does; asserts the id is in the body and in Location, and returns it.</summary>
    private async Task<string> SubmitAsync(string path, string body)
    {
        var response = await _http.SendJsonAsync(HttpMethod.Post, path, body);
        Assert.True(response.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{path} answered {(int)response.Status}: {response.Body}");
        var id = response.Body.GetProperty("id").GetString()!;
        Assert.Equal($"/tasks/{id}", response.Location);
        return id;
    }

    /// <summary>Polls <c>GET /task/{id}</c> as a 002 script would, until the result is there.</summary>
    private async Task<JsonElement> ResultAsync(string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var response = await _http.SendRawAsync(HttpMethod.Get, $"/task/{id}");
            if (response.Status == HttpStatusCode.OK)
            {
                Assert.Equal("succeeded", response.Body.GetProperty("status").GetString());
                return response.Body.GetProperty("result");
            }

            response.AssertProblem(HttpStatusCode.Conflict, code: "result-not-ready");
            Assert.True(DateTime.UtcNow < deadline, $"task {id} has no result in time: {response.Body}");
            await Task.Delay(50);
        }
    }
}
