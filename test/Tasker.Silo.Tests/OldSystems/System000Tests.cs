using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests.OldSystems;

/// <summary>
/// System 000 ("tasker", SQS and a database): its README's six requests, in its order and written as it writes them
/// (bodies with <c>\"</c> for each quote), then what its user does next: read the requests' status and results, meet
/// the cache and the suspended process. Then the bad input of each route.
/// </summary>
public sealed class System000Tests(OldSystemsFixture fixture) : IClassFixture<OldSystemsFixture>
{
    private readonly HttpClient _http = fixture.CreateClient();

    [Fact]
    public async Task The_README_requests_in_order_answer_as_000_documents_them()
    {
        try
        {
            // 1. get_processes_status: every process, all active at first.
            var processes = await _http.SendJsonAsync(HttpMethod.Get, "/get_processes_status", "");
            Assert.Equal(HttpStatusCode.OK, processes.Status);
            Assert.True(processes.Body.GetProperty("success").GetBoolean());
            foreach (var type in new[] { "sum2", "mult3", "surprise" })
            {
                Assert.Equal("active", processes.Body.GetProperty("processes").GetProperty(type).GetString());
            }

            // 2. get_requests_status, a GET with a JSON body: nothing asked yet.
            var none = await _http.SendJsonAsync(HttpMethod.Get, "/get_requests_status", """{\"client_name\":\"sh\"}""");
            Assert.Equal(HttpStatusCode.OK, none.Status);
            Assert.Equal("sh", none.Body.GetProperty("client_name").GetString());
            Assert.Empty(none.Body.GetProperty("requests").EnumerateArray());

            // 3.–5. process: each answers its rid and success, not cached the first time.
            var mult3 = await ProcessAsync("""{\"task\":\"mult3\", \"client_name\":\"sh\", \"params\": {\"first\":1, \"second\":2, \"third\":-1}}""");
            var sum2 = await ProcessAsync("""{\"task\":\"sum2\", \"client_name\":\"sh\", \"params\": {\"first\":1, \"second\":2}}""");
            var surprise = await ProcessAsync("""{\"task\":\"surprise\", \"client_name\":\"sg\", \"params\": {\"first\":1}}""");
            foreach (var answer in new[] { mult3, sum2, surprise })
            {
                Assert.False(answer.Body.TryGetProperty("cached", out _), $"a first request is not cached: {answer.Body}");
                Assert.Equal($"/tasks/{answer.Body.GetProperty("rid").GetString()}", answer.Location);
            }

            // 6. set_processes_status: mult3 suspended, the others untouched.
            var set = await _http.SendJsonAsync(HttpMethod.Post, "/set_processes_status", """{\"mult3\":\"suspended\"}""");
            Assert.Equal(HttpStatusCode.OK, set.Status);
            Assert.Equal("suspended", set.Body.GetProperty("processes").GetProperty("mult3").GetString());
            Assert.Equal("active", set.Body.GetProperty("processes").GetProperty("sum2").GetString());
            var after = await _http.SendJsonAsync(HttpMethod.Get, "/get_processes_status", "");
            Assert.Equal("suspended", after.Body.GetProperty("processes").GetProperty("mult3").GetString());

            // Then the user reads the results: sh's two requests, newest first, and sg's song line.
            var sh = await _http.SendJsonAsync(HttpMethod.Get, "/get_requests_status", """{\"client_name\":\"sh\"}""");
            var requests = sh.Body.GetProperty("requests").EnumerateArray().ToList();
            Assert.Equal([Rid(sum2), Rid(mult3)], requests.Select(r => r.GetProperty("rid").GetString()!));
            Assert.Equal(["sum2", "mult3"], requests.Select(r => r.GetProperty("task").GetString()!));
            Assert.All(requests, r => Assert.Equal("succeeded", r.GetProperty("status").GetString()));
            Assert.Equal("3", requests[0].GetProperty("result").GetRawText());
            Assert.Equal("-2", requests[1].GetProperty("result").GetRawText());
            var sg = await _http.GetJsonAsync("/get_requests_status?client_name=sg");
            var line = sg.Body.GetProperty("requests")[0].GetProperty("result").GetString();
            Assert.False(string.IsNullOrWhiteSpace(line), $"the surprise is a line of a song: {sg.Body}");

            // The same request again is answered from the cache, with a rid of its own that joins sh's history.
            var again = await ProcessAsync("""{\"task\":\"sum2\", \"client_name\":\"sh\", \"params\": {\"first\":1, \"second\":2}}""");
            Assert.True(again.Body.GetProperty("cached").GetBoolean());
            Assert.NotEqual(Rid(sum2), Rid(again));
            Assert.Equal("""{"cached":true,"rid":"RID","success":true}""", again.Body.GetRawText().Replace(Rid(again), "RID", StringComparison.Ordinal));
            var history = await _http.GetJsonAsync("/get_requests_status?client_name=sh");
            Assert.Equal(Rid(again), history.Body.GetProperty("requests")[0].GetProperty("rid").GetString());
            Assert.True(history.Body.GetProperty("requests")[0].GetProperty("cached").GetBoolean());

            // A suspended process refuses new requests and says so.
            var refused = await _http.SendJsonAsync(HttpMethod.Post, "/process", """{\"task\":\"mult3\", \"client_name\":\"sh\", \"params\": {\"first\":1, \"second\":2, \"third\":-1}}""");
            refused.AssertProblem(HttpStatusCode.Conflict, code: "process-suspended", detailContains: "'mult3' is suspended");
        }
        finally
        {
            await _http.SendJsonAsync(HttpMethod.Post, "/set_processes_status", """{"mult3":"active"}""");
        }
    }

    [Fact]
    public async Task A_request_through_process_is_the_same_task_through_the_canonical_API()
    {
        var answer = await ProcessAsync("""{"task":"mult3","client_name":"canon","params":{"first":3,"second":5,"third":7}}""");

        var (status, task) = await _http.GetJsonAsync($"/tasks/{Rid(answer)}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("mult3", task.GetProperty("type").GetString());
        Assert.Equal("canon", task.GetProperty("client").GetString());
        Assert.Equal("105", task.GetProperty("result").GetRawText());
        var (_, history) = await _http.GetJsonAsync("/clients/canon/tasks");
        Assert.Equal([Rid(answer)], history.Ids());
    }

    [Fact]
    public async Task Plain_JSON_works_as_well_as_the_READMEs_escaped_quotes()
    {
        var answer = await ProcessAsync("""{"task":"sum2","client_name":"plain","params":{"first":20,"second":22}}""");
        var status = await _http.SendJsonAsync(HttpMethod.Get, "/get_requests_status", """{"client_name":"plain"}""");

        Assert.Equal(Rid(answer), status.Body.GetProperty("requests")[0].GetProperty("rid").GetString());
        Assert.Equal("42", status.Body.GetProperty("requests")[0].GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Bodies_with_escaped_quotes_are_read_on_000s_routes_only()
    {
        var canonical = await _http.SendJsonAsync(HttpMethod.Post, "/tasks", """{\"type\":\"sum2\", \"client\":\"sh\", \"params\": {\"first\":1, \"second\":2}}""");
        var sum = await _http.SendJsonAsync(HttpMethod.Post, "/sum", """{\"payload\": {\"num1\":1, \"num2\":2}}""");

        canonical.AssertProblem(HttpStatusCode.BadRequest, code: "malformed-json");
        sum.AssertProblem(HttpStatusCode.BadRequest, code: "malformed-json");
    }

    [Fact]
    public async Task Several_processes_are_set_at_once_and_back()
    {
        var set = await _http.SendJsonAsync(HttpMethod.Post, "/set_processes_status", """{"input":"suspended","surprise":"suspended"}""");
        Assert.Equal("suspended", set.Body.GetProperty("processes").GetProperty("input").GetString());
        Assert.Equal("suspended", set.Body.GetProperty("processes").GetProperty("surprise").GetString());

        var back = await _http.SendJsonAsync(HttpMethod.Post, "/set_processes_status", """{"input":"active","surprise":"ACTIVE"}""");
        Assert.Equal("active", back.Body.GetProperty("processes").GetProperty("input").GetString());
        Assert.Equal("active", back.Body.GetProperty("processes").GetProperty("surprise").GetString());
    }

    [Theory]
    [InlineData("""{"task":"sum2","params":{"first":1,"second":2}}""", "client_name")]
    [InlineData("""{"task":"sum2","client_name":"","params":{"first":1,"second":2}}""", "client_name")]
    [InlineData("""{"task":"sum2","client_name":"no spaces allowed","params":{"first":1,"second":2}}""", "client_name")]
    [InlineData("""{"client_name":"sh","params":{"first":1,"second":2}}""", "task")]
    [InlineData("""{"task":"sum3","client_name":"sh","params":{"first":1,"second":2}}""", "task")]
    [InlineData("""{"task":"sum2","client_name":"sh","params":{"first":"one","second":2}}""", "params.first")]
    [InlineData("""{"task":"sum2","client_name":"sh","params":{"first":1}}""", "params.second")]
    [InlineData("""{"task":"sum2","client_name":"sh","params":[1,2]}""", "params")]
    [InlineData("""{"task":"sum2","client_name":"sh","params":{"first":1,"second":2},"type":"sum2"}""", "type")]
    public async Task Bad_process_requests_get_a_400_naming_the_field_in_000s_words(string body, string field)
    {
        var response = await _http.SendJsonAsync(HttpMethod.Post, "/process", body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
    }

    [Fact]
    public async Task Requests_status_without_client_name_is_a_400_naming_client_name()
    {
        (await _http.SendJsonAsync(HttpMethod.Get, "/get_requests_status", "")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "client_name");
        (await _http.SendJsonAsync(HttpMethod.Get, "/get_requests_status", "{}")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "client_name");
        (await _http.SendJsonAsync(HttpMethod.Get, "/get_requests_status", """{"client":"sh"}""")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "client_name");
        (await _http.SendRawAsync(HttpMethod.Get, "/get_requests_status?client_name=")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "client_name");
        (await _http.SendRawAsync(HttpMethod.Get, "/get_requests_status?client_name=a%20b")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "client_name");
    }

    [Theory]
    [InlineData("""{"nosuch":"suspended"}""", "nosuch")]
    [InlineData("""{"mult3":"paused"}""", "mult3")]
    [InlineData("""{"mult3":"error"}""", "mult3")]
    [InlineData("""{"mult3":1}""", "mult3")]
    public async Task Bad_process_statuses_get_a_400_naming_the_process_and_set_nothing(string body, string field)
    {
        var response = await _http.SendJsonAsync(HttpMethod.Post, "/set_processes_status", body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
        var processes = await _http.GetJsonAsync("/get_processes_status");
        Assert.Equal("active", processes.Body.GetProperty("processes").GetProperty("mult3").GetString());
    }

    [Fact]
    public async Task A_process_update_that_names_no_process_is_a_400()
    {
        var response = await _http.SendJsonAsync(HttpMethod.Post, "/set_processes_status", "{}");

        response.AssertProblem(HttpStatusCode.BadRequest, detailContains: "names no task type");
    }

    [Theory]
    [InlineData("/process")]
    [InlineData("/set_processes_status")]
    public async Task Malformed_or_non_JSON_bodies_are_4xx_problems_not_500(string path)
    {
        (await _http.SendJsonAsync(HttpMethod.Post, path, """{"task":""")).AssertProblem(HttpStatusCode.BadRequest, code: "malformed-json");
        (await _http.SendJsonAsync(HttpMethod.Post, path, """{\"task\":""")).AssertProblem(HttpStatusCode.BadRequest, code: "malformed-json");
        (await _http.SendJsonAsync(HttpMethod.Post, path, "[1]")).AssertProblem(HttpStatusCode.BadRequest);
        (await _http.SendJsonAsync(HttpMethod.Post, path, "task=sum2", "application/x-www-form-urlencoded")).AssertProblem(HttpStatusCode.UnsupportedMediaType);
        (await _http.SendJsonAsync(HttpMethod.Get, "/get_requests_status", "client_name=sh", "text/plain")).AssertProblem(HttpStatusCode.UnsupportedMediaType);
    }

    private async Task<ApiResponse> ProcessAsync(string body)
    {
        var response = await _http.SendJsonAsync(HttpMethod.Post, "/process", body);
        Assert.True(response.Status == HttpStatusCode.OK, $"/process answered {(int)response.Status}: {response.Body}");
        Assert.True(response.Body.GetProperty("success").GetBoolean());
        return response;
    }

    private static string Rid(ApiResponse answer) => answer.Body.GetProperty("rid").GetString()!;
}
