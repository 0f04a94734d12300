using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests;

/// <summary>
/// Suspending a task type ("process") refuses its new requests with a 409 that says so, until it is active again.
/// The fixture is shared, so every test re-activates what it suspended in a finally block.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ProcessSuspensionTests(TaskerApiFixture api)
{
    private const string Reason = "maintenance";
    private readonly HttpClient _http = api.CreateClient();

    private async Task<JsonElement> SetAsync(string type, string body)
    {
        var response = await _http.PutTextAsync($"/processes/{type}", body);
        Assert.True(response.Status == HttpStatusCode.OK, $"PUT /processes/{type} answered {(int)response.Status}: {response.Body}");
        return response.Body;
    }

    private Task<JsonElement> SuspendAsync(string type) => SetAsync(type, $$"""{"status":"suspended","reason":"{{Reason}}"}""");

    private Task<JsonElement> ActivateAsync(string type) => SetAsync(type, """{"status":"active"}""");

    private async Task<JsonElement> ProcessAsync(string type)
    {
        var (status, list) = await _http.GetJsonAsync("/processes");
        Assert.Equal(HttpStatusCode.OK, status);
        return list.EnumerateArray().Single(p => p.GetProperty("type").GetString() == type);
    }

    [Fact]
    public async Task Suspending_mult3_answers_200_with_its_new_status()
    {
        try
        {
            var process = await SuspendAsync("mult3");

            Assert.Equal("mult3", process.GetProperty("type").GetString());
            Assert.Equal("suspended", process.GetProperty("status").GetString());
            Assert.Equal(Reason, process.GetProperty("reason").GetString());
        }
        finally
        {
            await ActivateAsync("mult3");
        }
    }

    [Fact]
    public async Task Suspended_mult3_refuses_new_mult3_tasks_with_a_409_that_says_suspended_and_why()
    {
        var client = ApiTestExtensions.UniqueClient("suspended");
        try
        {
            await SuspendAsync("mult3");

            var response = await _http.PostTaskAsync("mult3", """{"first":1,"second":2,"third":3}""", client);

            response.AssertProblem(HttpStatusCode.Conflict, code: "process-suspended", detailContains: "suspended");
            Assert.Contains(Reason, response.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("mult3", response.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var (_, history) = await _http.GetJsonAsync($"/clients/{client}/tasks");
            Assert.Empty(history.Items());
        }
        finally
        {
            await ActivateAsync("mult3");
        }
    }

    [Fact]
    public async Task Suspended_mult3_still_checks_the_request_first()
    {
        try
        {
            await SuspendAsync("mult3");

            var response = await _http.PostTaskAsync("mult3", """{"first":"one"}""", ApiTestExtensions.UniqueClient("suspended"));

            response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "params.first");
        }
        finally
        {
            await ActivateAsync("mult3");
        }
    }

    [Fact]
    public async Task Suspended_mult3_leaves_other_types_accepted()
    {
        var client = ApiTestExtensions.UniqueClient("others");
        try
        {
            await SuspendAsync("mult3");

            var sum = await _http.PostTaskAsync("sum2", """{"first":20,"second":22}""", client);
            var surprise = await _http.PostTaskAsync("surprise", """{"first":3}""", client);

            Assert.True(sum.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"sum2 answered {(int)sum.Status}: {sum.Body}");
            Assert.Equal("42", sum.Body.GetProperty("result").GetRawText());
            Assert.True(surprise.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"surprise answered {(int)surprise.Status}: {surprise.Body}");
        }
        finally
        {
            await ActivateAsync("mult3");
        }
    }

    [Fact]
    public async Task Process_list_shows_mult3_suspended_with_its_reason_and_since()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        try
        {
            await SuspendAsync("mult3");

            var mult3 = await ProcessAsync("mult3");
            var sum2 = await ProcessAsync("sum2");

            Assert.Equal("suspended", mult3.GetProperty("status").GetString());
            Assert.Equal(Reason, mult3.GetProperty("reason").GetString());
            var since = mult3.GetProperty("since").GetDateTimeOffset();
            Assert.InRange(since, before, DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.False(string.IsNullOrWhiteSpace(mult3.GetProperty("description").GetString()));
            Assert.Equal("active", sum2.GetProperty("status").GetString());

            var (status, single) = await _http.GetJsonAsync("/processes/mult3");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("suspended", single.GetProperty("status").GetString());
        }
        finally
        {
            await ActivateAsync("mult3");
        }
    }

    [Fact]
    public async Task Process_list_names_every_task_type()
    {
        var (status, list) = await _http.GetJsonAsync("/processes");

        Assert.Equal(HttpStatusCode.OK, status);
        var types = list.EnumerateArray().Select(p => p.GetProperty("type").GetString()).ToList();
        Assert.Contains("sum2", types);
        Assert.Contains("mult3", types);
        Assert.Contains("surprise", types);
        Assert.Contains("sequence", types);
        Assert.Contains("count", types);
    }

    [Fact]
    public async Task Activating_mult3_again_accepts_mult3_tasks()
    {
        var client = ApiTestExtensions.UniqueClient("reactivated");
        try
        {
            await SuspendAsync("mult3");
            Assert.Equal(HttpStatusCode.Conflict, (await _http.PostTaskAsync("mult3", """{"first":2,"second":3,"third":7}""", client)).Status);

            var active = await ActivateAsync("mult3");
            var response = await _http.PostTaskAsync("mult3", """{"first":2,"second":3,"third":7}""", client);

            Assert.Equal("active", active.GetProperty("status").GetString());
            Assert.True(response.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"mult3 answered {(int)response.Status}: {response.Body}");
            Assert.Equal("42", response.Body.GetProperty("result").GetRawText());
            Assert.Equal("active", (await ProcessAsync("mult3")).GetProperty("status").GetString());
        }
        finally
        {
            await ActivateAsync("mult3");
        }
    }

    [Fact]
    public async Task Suspending_a_type_does_not_stop_its_tasks_already_running()
    {
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("running"), 60, delayMs: 10);
        try
        {
            await SuspendAsync("count");

            var task = await _http.WaitForStatusAsync(id, "succeeded");

            Assert.Equal("60", task.GetProperty("result").GetRawText());
        }
        finally
        {
            await ActivateAsync("count");
            await _http.CancelQuietlyAsync(id);
        }
    }
}
