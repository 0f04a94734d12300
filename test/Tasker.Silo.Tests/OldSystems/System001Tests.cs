using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests.OldSystems;

/// <summary>
/// System 001 ("taskmanager", Flask and Celery): its README's httpie requests in its order (the tasks, an upload, a
/// download from/till, the task's status, pause, stop), each as httpie sends it, and what its user expects from each;
/// then resume, the query-string download, how <c>GET /tasks/</c> and the canonical <c>GET /tasks</c> differ, and bad input.
/// </summary>
public sealed class System001Tests(SlowExportFixture fixture) : IClassFixture<SlowExportFixture>
{
    private const string Download = """{"from": "2010-02-15", "till": "2019-03-15"}"""; // http GET /tasks/download from=2010-02-15 till=2019-03-15

    private readonly HttpClient _http = fixture.CreateClient();

    [Fact]
    public async Task The_README_requests_in_order_answer_as_001s_user_expects()
    {
        string? exportId = null;
        try
        {
            // http GET /tasks/: the tasks, as a list.
            var (status, tasks) = await _http.GetJsonAsync("/tasks/");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(JsonValueKind.Array, tasks.GetProperty("items").ValueKind);

            // http -f POST /tasks/upload file@data.csv: a csv-import of the file, for client 001.
            var upload = await _http.UploadAsync("/tasks/upload", OldRequests.Csv(25));
            Assert.Equal(HttpStatusCode.Accepted, upload.Status);
            Assert.Equal("csv-import", upload.Body.GetProperty("type").GetString());
            Assert.Equal("001", upload.Body.GetProperty("client").GetString());
            var imported = await _http.WaitForStatusAsync(upload.Body.GetProperty("id").GetString()!, "succeeded");
            Assert.Equal(25, imported.GetProperty("result").GetProperty("imported").GetInt64());

            // http GET /tasks/download from=... till=...: httpie sends the dates as a JSON body; a csv-export starts.
            var download = await _http.SendJsonAsync(HttpMethod.Get, "/tasks/download", Download);
            Assert.Equal(HttpStatusCode.Accepted, download.Status);
            exportId = download.Body.GetProperty("id").GetString()!;
            Assert.Equal($"/tasks/{exportId}", download.Location);
            Assert.Equal("csv-export", download.Body.GetProperty("type").GetString());
            Assert.Equal("2010-02-15", download.Body.GetProperty("params").GetProperty("from").GetString());
            Assert.Equal("2019-03-15", download.Body.GetProperty("params").GetProperty("till").GetString());

            // http GET /tasks/{task_id}: the status of the task that is executing.
            var (taskStatus, task) = await _http.GetJsonAsync($"/tasks/{exportId}");
            Assert.Equal(HttpStatusCode.OK, taskStatus);
            Assert.Equal(exportId, task.GetProperty("id").GetString());
            Assert.Contains(task.Status(), new[] { "queued", "running" });

            // http GET /tasks/{task_id}/pause: it pauses and its progress holds.
            var pause = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{exportId}/pause");
            Assert.Equal(HttpStatusCode.OK, pause.Status);
            var paused = await _http.WaitForStatusAsync(exportId, "paused");
            await Task.Delay(200);
            Assert.Equal(paused.Done(), (await _http.GetJsonAsync($"/tasks/{exportId}")).Body.Done());

            // http GET /tasks/{task_id}/stop: it stops for good.
            var stop = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{exportId}/stop");
            Assert.Equal(HttpStatusCode.OK, stop.Status);
            await _http.WaitForStatusAsync(exportId, "cancelled");
            exportId = null;
        }
        finally
        {
            await _http.CancelQuietlyAsync(exportId);
        }
    }

    [Fact]
    public async Task Resume_goes_on_from_where_pause_left_the_export()
    {
        var id = await DownloadAsync("2012-01-01", "2018-12-31");
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/pause")).Status);
            var paused = await _http.WaitForStatusAsync(id, "paused");

            var resume = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/resume");

            Assert.Equal(HttpStatusCode.OK, resume.Status);
            var going = await _http.WaitForAsync(id, t => t.Status() is "running" or "succeeded" && t.Done() > paused.Done());
            Assert.True(going.Done() > paused.Done());
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Tasks_with_the_slash_lists_the_running_export_first_while_the_canonical_listing_stays_newest_first()
    {
        var exportId = await DownloadAsync("2010-01-01", "2019-12-31");
        try
        {
            var newer = await _http.SubmitAsync("sum2", """{"first":1,"second":1}""", "newer");

            var (_, legacy) = await _http.GetJsonAsync("/tasks/");
            var (_, canonical) = await _http.GetJsonAsync("/tasks");

            Assert.Equal(exportId, legacy.Ids()[0]);
            Assert.Equal("running", legacy.Items()[0].Status());
            Assert.Contains(newer, legacy.Ids());
            Assert.Equal(newer, canonical.Ids()[0]);
            Assert.Equal(canonical.Ids().Order(StringComparer.Ordinal), legacy.Ids().Order(StringComparer.Ordinal));

            // Filters mean what they mean on GET /tasks; one status or a cursor is the canonical listing itself.
            Assert.Equal([newer], (await _http.GetJsonAsync("/tasks/?client=newer")).Body.Ids());
            Assert.Equal([exportId], (await _http.GetJsonAsync("/tasks/?client=001&type=csv-export&limit=1")).Body.Ids());
            Assert.Equal((await _http.GetJsonAsync("/tasks?status=succeeded")).Body.Ids(), (await _http.GetJsonAsync("/tasks/?status=succeeded")).Body.Ids());
            (await _http.SendRawAsync(HttpMethod.Get, "/tasks/?client=a%20b")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "client");
            (await _http.SendRawAsync(HttpMethod.Get, "/tasks/?limit=0")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "limit");
        }
        finally
        {
            await _http.CancelQuietlyAsync(exportId);
        }
    }

    [Fact]
    public async Task The_download_is_the_same_task_through_the_canonical_API_and_in_client_001s_history()
    {
        var id = await DownloadAsync("2019-03-01", "2019-03-15");

        var done = await _http.WaitForStatusAsync(id, "succeeded", TimeSpan.FromSeconds(60));
        Assert.Equal("001", done.GetProperty("client").GetString());
        var file = await _http.GetAsync($"/tasks/{id}/file");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.StartsWith("id,date,name,email,city,amount", await file.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var (_, history) = await _http.GetJsonAsync("/clients/001/tasks");
        Assert.Contains(id, history.Ids());
    }

    [Theory]
    [InlineData("""{"from":"2010-02-15"}""", "till")]
    [InlineData("""{"till":"2019-03-15"}""", "from")]
    [InlineData("""{"from":"2010-13-01","till":"2019-03-15"}""", "from")]
    [InlineData("""{"from":20100215,"till":"2019-03-15"}""", "from")]
    [InlineData("""{"from":"2019-03-15","till":"2010-02-15"}""", "till")]
    [InlineData("""{"from":"2010-02-15","till":"2019-03-15","until":"2020-01-01"}""", "until")]
    public async Task Bad_downloads_get_a_400_naming_the_field_in_001s_words(string body, string field)
    {
        var response = await _http.SendJsonAsync(HttpMethod.Get, "/tasks/download", body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
    }

    [Fact]
    public async Task A_download_without_dates_or_with_bad_query_dates_is_a_400_naming_them()
    {
        (await _http.SendRawAsync(HttpMethod.Get, "/tasks/download")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "from");
        (await _http.SendRawAsync(HttpMethod.Get, "/tasks/download?from=yesterday&till=2019-03-15")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "from");
        (await _http.SendJsonAsync(HttpMethod.Get, "/tasks/download", "from=2010-02-15", "text/plain")).AssertProblem(HttpStatusCode.UnsupportedMediaType);
        (await _http.SendJsonAsync(HttpMethod.Get, "/tasks/download", """{"from":""")).AssertProblem(HttpStatusCode.BadRequest, code: "malformed-json");
    }

    [Fact]
    public async Task Bad_uploads_get_a_4xx_naming_the_file_field()
    {
        (await _http.UploadAsync("/tasks/upload", OldRequests.Csv(1), field: "csv")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "file");
        (await _http.UploadAsync("/tasks/upload", "")).AssertProblem(HttpStatusCode.BadRequest, errorKey: "file");
        (await _http.SendJsonAsync(HttpMethod.Post, "/tasks/upload", "{}")).AssertProblem(HttpStatusCode.UnsupportedMediaType);
        using var withClient = new MultipartFormDataContent { { new StringContent("someone-else"), "client" }, { new StringContent("a,b\n1,2\n"), "file", "data.csv" } };
        (await _http.SendRawAsync(HttpMethod.Post, "/tasks/upload", withClient)).AssertProblem(HttpStatusCode.BadRequest, errorKey: "client");
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("stop")]
    [InlineData("resume")]
    public async Task Commands_on_an_unknown_task_are_a_404_and_on_an_ended_one_a_409(string command)
    {
        (await _http.SendRawAsync(HttpMethod.Get, $"/tasks/b88a299c-b2cb-45e2-a0db-ed6244edf47d/{command}")).AssertProblem(HttpStatusCode.NotFound);
        var ended = await _http.SubmitAsync("sum2", """{"first":2,"second":3}""", "ended");

        (await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{ended}/{command}")).AssertProblem(HttpStatusCode.Conflict, code: "illegal-transition");
    }

    /// <summary>Starts an export with the dates in the query string; asserts it was accepted and returns its id.</summary>
    private async Task<string> DownloadAsync(string from, string till)
    {
        var response = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/download?from={from}&till={till}");
        Assert.True(response.Status == HttpStatusCode.Accepted, $"download answered {(int)response.Status}: {response.Body}");
        return response.Body.GetProperty("id").GetString()!;
    }
}
