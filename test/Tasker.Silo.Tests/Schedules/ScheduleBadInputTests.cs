using System.Net;

namespace Tasker.Silo.Tests.Schedules;

/// <summary>Each way a schedule can be wrong answers 400 naming its field, and stores nothing.</summary>
[Collection(ApiCollection.Name)]
public sealed class ScheduleBadInputTests(TaskerApiFixture api)
{
    private const string Task = "\"task\":{\"type\":\"sum2\",\"params\":{\"first\":1,\"second\":2}}";

    private readonly HttpClient _http = api.CreateClient();

    [Theory]
    [InlineData("'cron':'0 2 * *'", "cron")] // Four fields.
    [InlineData("'cron':'0 25 * * *'", "cron")] // Cronos cannot parse it.
    [InlineData("'cron':'0 0 30 2 *'", "cron")] // Parses, never fires: 30 February.
    [InlineData("'cron':'0 2 * * *','every':'PT1H'", "cron")] // Both.
    [InlineData("'timezone':'UTC'", "cron")] // Neither.
    [InlineData("'cron':'0 2 * * *','timezone':'Europe/Atlantis'", "timezone")]
    [InlineData("'cron':'0 2 * * *','overlap':'queue'", "overlap")]
    [InlineData("'cron':'0 2 * * *','missed':'run_twice'", "missed")]
    [InlineData("'every':'PT10M','jitter':'PT10M'", "jitter")] // Not shorter than the interval.
    [InlineData("'cron':'*/5 * * * *','jitter':'PT6M'", "jitter")]
    [InlineData("'every':'PT0.5S'", "every")] // Under the 1 s minimum (no tier: Tasker:Schedules:AnonymousMinInterval).
    [InlineData("'cron':'* * * * * *','every':null,'jitter':'PT0S','max_catchup':5,'missed':'skip','overlap':'allow','timezone':'UTC','start_at':null,'end_at':null,'client':null,'task':null", "task")]
    [InlineData("'every':'fortnightly'", "every")]
    [InlineData("'every':-5", "every")]
    [InlineData("'every':'PT1H','start_at':'2026-03-29T02:00:00'", "start_at")] // No offset.
    [InlineData("'every':'PT1H','start_at':'2030-01-02T00:00:00Z','end_at':'2030-01-01T00:00:00Z'", "end_at")]
    [InlineData("'cron':'0 2 * * *','max_catchup':0", "max_catchup")]
    [InlineData("'cron':'0 2 * * *','max_catchup':'ten'", "max_catchup")]
    [InlineData("'cron':'0 2 * * *','colour':'blue'", "colour")]
    public async Task A_bad_schedule_is_a_400_naming_its_field(string fields, string field)
    {
        fields = fields.Replace('\'', '"');
        var client = ApiTestExtensions.UniqueClient("bad");
        var body = field == "task" ? $$"""{"client":"{{client}}",{{fields.Replace("\"client\":null,", "", StringComparison.Ordinal)}}}""" : $$"""{"client":"{{client}}",{{Task}},{{fields}}}""";

        var response = await _http.PutTextAsync("/schedules/bad", body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
        var (status, _) = await _http.GetJsonAsync($"/schedules/bad?client={client}");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Theory]
    [InlineData("'retry':{'max_attempts':0}", "task.retry.max_attempts")]
    [InlineData("'retry':{'backoff':'sometimes'}", "task.retry.backoff")]
    [InlineData("'timeout':'PT0S'", "task.timeout")]
    public async Task A_bad_retry_or_timeout_in_the_task_is_a_400_naming_it(string taskFields, string field)
    {
        var body = $$"""{"client":"{{ApiTestExtensions.UniqueClient("bad")}}","task":{"type":"sum2","params":{"first":1,"second":2},{{taskFields.Replace('\'', '"')}}},"every":"PT1H"}""";

        var response = await _http.PutTextAsync("/schedules/bad-retry", body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
    }

    [Fact]
    public async Task A_schedules_task_keeps_its_retry_and_timeout()
    {
        var client = ApiTestExtensions.UniqueClient("retry-template");
        var put = await _http.PutTextAsync("/schedules/with-retry",
            $$"""{"client":"{{client}}","task":{"type":"sum2","params":{"first":1,"second":2},"retry":{"max_attempts":4,"backoff":"fixed","initial_delay":"PT3S"},"timeout":"PT1M"},"every":"PT1H"}""");
        Assert.Equal(HttpStatusCode.Created, put.Status);

        var (_, schedule) = await _http.GetJsonAsync($"/schedules/with-retry?client={client}");

        var task = schedule.GetProperty("task");
        Assert.Equal(4, task.GetProperty("retry").GetProperty("max_attempts").GetInt32());
        Assert.Equal("fixed", task.GetProperty("retry").GetProperty("backoff").GetString());
        Assert.Equal("PT3S", task.GetProperty("retry").GetProperty("initial_delay").GetString());
        Assert.Equal("PT1M", task.GetProperty("timeout").GetString());
    }

    [Theory]
    [InlineData("'cron':'0 2 * * *','start_at':'9999-12-31T23:59:59Z'")]
    [InlineData("'every':'P365D','start_at':'9999-12-31T23:59:59Z'")]
    [InlineData("'every':'P365D','start_at':'0001-01-01T00:00:00Z'")]
    [InlineData("'every':'PT1S','end_at':'0001-01-01T00:00:01Z'")]
    [InlineData("'cron':'0 2 * * *','end_at':'0001-01-01T00:00:01Z'")]
    [InlineData("'every':'P99999999D'")]
    [InlineData("'every':1e300")]
    [InlineData("'cron':'0 0 29 2 *','end_at':'2028-03-01T00:00:00Z','jitter':'P400D'")]
    [InlineData("'cron':'@every_minute'")]
    [InlineData("'cron':'0 2 * * * * *'")]
    [InlineData("'cron':'','every':''")]
    public async Task An_extreme_schedule_is_answered_without_a_server_error(string fields)
    {
        fields = fields.Replace('\'', '"');
        var client = ApiTestExtensions.UniqueClient("edge");

        var response = await _http.PutTextAsync("/schedules/edge", $$"""{"client":"{{client}}",{{Task}},{{fields}}}""");
        var next = await _http.SendRawAsync(HttpMethod.Get, $"/schedules/edge/next?client={client}&count=100");
        var read = await _http.SendRawAsync(HttpMethod.Get, $"/schedules/edge?client={client}");
        _ = await _http.SendRawAsync(HttpMethod.Delete, $"/schedules/edge?client={client}");

        Assert.True((int)response.Status < 500, $"PUT answered {(int)response.Status}: {response.Body}");
        Assert.True((int)next.Status < 500, $"next answered {(int)next.Status}: {next.Body}");
        Assert.True((int)read.Status < 500, $"GET answered {(int)read.Status}: {read.Body}");
    }

    [Theory]
    [InlineData("""{"type":"nope","params":{}}""", "task.type")]
    [InlineData("""{"type":"sum2","params":{"first":"x","second":2}}""", "task.params.first")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"priority":"urgent"}""", "task.priority")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"run":"now"}""", "task.run")]
    public async Task A_bad_template_is_a_400_naming_its_field_under_task(string task, string field)
    {
        var client = ApiTestExtensions.UniqueClient("bad");

        var response = await _http.PutTextAsync("/schedules/bad", $$"""{"client":"{{client}}","task":{{task}},"cron":"0 2 * * *"}""");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
    }

    [Fact]
    public async Task Without_authentication_the_client_is_required()
    {
        var put = await _http.PutTextAsync("/schedules/anon", $$"""{{{Task}},"cron":"0 2 * * *"}""");
        var get = await _http.SendRawAsync(HttpMethod.Get, "/schedules/anon");
        var list = await _http.SendRawAsync(HttpMethod.Get, "/schedules");

        put.AssertProblem(HttpStatusCode.BadRequest, errorKey: "client");
        get.AssertProblem(HttpStatusCode.BadRequest, errorKey: "client");
        list.AssertProblem(HttpStatusCode.BadRequest, errorKey: "client");
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("-leading-dash")]
    [InlineData("a%2Fb")]
    public async Task A_bad_schedule_id_is_a_400_naming_the_id(string id)
    {
        var response = await _http.PutTextAsync($"/schedules/{id}", $$"""{"client":"{{ApiTestExtensions.UniqueClient("bad")}}",{{Task}},"cron":"0 2 * * *"}""");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "id");
    }

    [Theory]
    [InlineData("next?count=0", "count")]
    [InlineData("next?count=101", "count")]
    [InlineData("runs?limit=abc", "limit")]
    public async Task A_bad_query_is_a_400_naming_its_parameter(string path, string field)
    {
        var client = ApiTestExtensions.UniqueClient("bad");
        var put = await _http.PutTextAsync("/schedules/q", $$"""{"client":"{{client}}",{{Task}},"cron":"0 2 * * *"}""");
        Assert.Equal(HttpStatusCode.Created, put.Status);

        var response = await _http.SendRawAsync(HttpMethod.Get, $"/schedules/q/{path}&client={client}");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
    }
}
