using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Records;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

/// <summary>An embedded silo with the full default data set (100,000 rows) and a files directory of its own.</summary>
public sealed class CsvApiFixture : WebApplicationFactory<Program>
{
    public const int Rows = 100_000;
    public const int Seed = 2010;
    public const long MaxUploadBytes = 2 * 1024 * 1024;

    public string FilesPath { get; } = Directory.CreateTempSubdirectory("tasker-csv-tests-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:DataSet:Rows", Rows.ToString(CultureInfo.InvariantCulture))
            .UseSetting("Tasker:DataSet:Seed", Seed.ToString(CultureInfo.InvariantCulture))
            .UseSetting("Tasker:Files:Path", FilesPath)
            .UseSetting("Tasker:Files:MaxUploadBytes", MaxUploadBytes.ToString(CultureInfo.InvariantCulture));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(FilesPath, recursive: true);
    }
}

/// <summary>
/// csv-export and csv-import through the HTTP API: the exported file holds exactly the rows in range, whatever pauses
/// interrupt it; an import stores its good rows once and reports the bad ones by line.
/// </summary>
public sealed class CsvTaskTests(CsvApiFixture fixture) : IClassFixture<CsvApiFixture>
{
    private const string Header = "id,date,name,email,city,amount";
    private readonly HttpClient _http = fixture.CreateClient();

    [Fact]
    public async Task Export_of_the_default_data_set_climbs_pauses_resumes_and_the_file_holds_exactly_the_rows_in_range()
    {
        var client = ApiTestExtensions.UniqueClient("export");
        var id = await _http.SubmitAsync("csv-export", """{"from":"2011-03-15","till":"2018-10-20","chunk_rows":200}""", client);

        var paused = await _http.CommandAsync(id, "pause");
        Assert.Equal(HttpStatusCode.OK, paused.Status);
        var atPause = await _http.WaitForStatusAsync(id, "paused");
        var doneAtPause = atPause.Done();
        Assert.True(doneAtPause < atPause.GetProperty("progress").GetProperty("total").GetInt64() || doneAtPause == 0);
        var file = await _http.GetAsync($"/tasks/{id}/file");
        Assert.Equal(HttpStatusCode.Conflict, file.StatusCode);
        await Task.Delay(300);
        Assert.Equal(doneAtPause, (await _http.GetJsonAsync($"/tasks/{id}")).Body.Done());

        Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "resume")).Status);
        var seen = new List<long>();
        var finished = await _http.WaitForAsync(id, task =>
        {
            seen.Add(task.Done());
            return task.Status() is "succeeded" or "failed";
        }, TimeSpan.FromSeconds(60));

        Assert.Equal("succeeded", finished.Status());
        Assert.True(seen.Distinct().Count() >= 3, $"progress seen: {string.Join(", ", seen)}");
        Assert.Equal(seen.OrderBy(d => d), seen);

        var expected = Expected(new DateOnly(2011, 3, 15), new DateOnly(2018, 10, 20));
        var lines = await DownloadAsync(id);
        Assert.Equal(Header, lines[0]);
        var rows = lines.Skip(1).Select(Parse).ToList();
        Assert.Equal(expected.Count, rows.Count);
        Assert.Equal(rows.Count, finished.GetProperty("result").GetProperty("rows").GetInt64());
        Assert.Equal(rows.Count, finished.GetProperty("progress").GetProperty("total").GetInt64());
        Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
        Assert.Equal(rows.OrderBy(r => r.Date).ThenBy(r => r.Id).Select(r => r.Id), rows.Select(r => r.Id));
        Assert.Equal(
            expected.Select(r => (r.Date, r.Name, r.Email, r.City, r.Amount)).Order(),
            rows.Select(r => (r.Date, r.Name, r.Email, r.City, r.Amount)).Order());
    }

    [Fact]
    public async Task Export_of_an_empty_range_succeeds_with_only_the_header()
    {
        var id = await _http.SubmitAsync("csv-export", """{"from":"2001-01-01","till":"2001-12-31"}""", ApiTestExtensions.UniqueClient("export"));
        var task = await _http.WaitForStatusAsync(id, "succeeded");

        Assert.Equal(0, task.GetProperty("result").GetProperty("rows").GetInt64());
        Assert.Equal([Header], await DownloadAsync(id));
    }

    [Fact]
    public async Task Cancelled_export_has_no_file_and_leaves_none_behind()
    {
        var id = await _http.SubmitAsync("csv-export", """{"from":"2010-01-01","till":"2019-12-31","chunk_rows":100}""", ApiTestExtensions.UniqueClient("export"));
        Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "cancel")).Status);

        var file = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/file");
        Assert.Equal(HttpStatusCode.Conflict, file.Status);
        Assert.Equal("task-cancelled", file.Body.GetProperty("code").GetString());
        Assert.Empty(Directory.EnumerateFiles(fixture.FilesPath, $"{id}*", SearchOption.AllDirectories)); // The half-written file is gone.
    }

    [Fact]
    public async Task File_of_a_task_that_produces_none_is_a_404_that_says_so()
    {
        var id = await _http.SubmitAsync("sum2", """{"first":1,"second":2}""", ApiTestExtensions.UniqueClient("export"));

        var file = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/file");
        Assert.Equal(HttpStatusCode.NotFound, file.Status);
        Assert.Equal("no-file", file.Body.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.SendRawAsync(HttpMethod.Get, "/tasks/0123456789abcdef0123456789abcdef/file")).Status);
    }

    [Theory]
    [InlineData("""{"from":"2012-02-30","till":"2013-01-01"}""", "params.from")]
    [InlineData("""{"from":"2012-01-01"}""", "params.till")]
    [InlineData("""{"from":"2013-01-01","till":"2012-01-01"}""", "params.till")]
    [InlineData("""{"from":"2012-01-01","till":"2013-01-01","chunk_rows":5}""", "params.chunk_rows")]
    [InlineData("""{"from":20120101,"till":"2013-01-01"}""", "params.from")]
    public async Task Export_with_bad_parameters_is_a_400_naming_the_field(string parameters, string field)
    {
        var response = await _http.PostTaskAsync("csv-export", parameters, "export-bad");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.True(response.Body.GetProperty("errors").TryGetProperty(field, out _), response.Body.ToString());
    }

    [Fact]
    public async Task Import_with_three_bad_rows_stores_the_good_ones_and_reports_the_three_by_line()
    {
        // Dates in a year of their own, so the export below sees this import's rows alone.
        var csv = ImportFile(2031, 500, bad: new Dictionary<int, string>
        {
            [5] = "Ann Lee,ann@example.com,Oslo,2031-01-05,12.5x",
            [77] = "Bo Ek,bo-at-example.com,Lund,2031-02-01,3.00",
            [400] = "Cy Fox,cy@example.com,Rome,2031-13-01,1.00",
        });

        var id = await UploadAsync(csv, ApiTestExtensions.UniqueClient("import"), chunkRows: 50);
        var task = await _http.WaitForStatusAsync(id, "succeeded", TimeSpan.FromSeconds(30));

        var result = task.GetProperty("result");
        Assert.Equal(500, result.GetProperty("rows").GetInt64());
        Assert.Equal(497, result.GetProperty("imported").GetInt64());
        Assert.Equal(3, result.GetProperty("bad").GetInt64());
        var bad = result.GetProperty("bad_rows").EnumerateArray().ToList();
        Assert.Equal([6L, 78L, 401L], bad.Select(b => b.GetProperty("line").GetInt64())); // Line 1 is the header.
        Assert.Contains("amount", bad[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("email", bad[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("date", bad[2].GetProperty("reason").GetString(), StringComparison.Ordinal);

        Assert.Equal(497, await CountExportedAsync(2031));
    }

    [Fact]
    public async Task Import_paused_and_resumed_stores_every_row_once()
    {
        var id = await UploadAsync(ImportFile(2032, 2000), ApiTestExtensions.UniqueClient("import"), chunkRows: 20);
        Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "pause")).Status);
        var paused = await _http.WaitForStatusAsync(id, "paused");
        Assert.True(paused.Done() < paused.GetProperty("progress").GetProperty("total").GetInt64()); // Bytes of the file.
        Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "resume")).Status);
        var task = await _http.WaitForStatusAsync(id, "succeeded", TimeSpan.FromSeconds(60));

        Assert.Equal(2000, task.GetProperty("result").GetProperty("imported").GetInt64());
        Assert.Equal(2000, await CountExportedAsync(2032));
    }

    [Fact]
    public async Task Import_progress_counts_the_bytes_of_the_file_up_to_its_size()
    {
        var csv = ImportFile(2033, 3000);
        var size = System.Text.Encoding.UTF8.GetByteCount(csv);
        var id = await UploadAsync(csv, ApiTestExtensions.UniqueClient("import"), chunkRows: 10);

        // The first chunks read their rows only: the file is never read whole before the first checkpoint.
        var early = await _http.WaitForAsync(id, t => t.Done() > 0 || t.Status() != "running");
        Assert.Equal(size, early.GetProperty("progress").GetProperty("total").GetInt64());
        Assert.True(early.Done() < size, $"the first progress seen was already {early.Done()} of {size} bytes");

        var task = await _http.WaitForStatusAsync(id, "succeeded", TimeSpan.FromSeconds(60));
        Assert.Equal(size, task.Done());
        Assert.Equal(3000, task.GetProperty("result").GetProperty("imported").GetInt64());
    }

    [Fact]
    public async Task Import_with_more_bad_rows_than_allowed_fails_naming_the_lines()
    {
        var bad = Enumerable.Range(10, 4).ToDictionary(i => i, _ => "No Date,no@example.com,Nowhere,someday,1.00");
        var id = await UploadAsync(ImportFile(2033, 50, bad), ApiTestExtensions.UniqueClient("import"), maxBadRows: 3);

        var task = await _http.WaitForStatusAsync(id, "failed", TimeSpan.FromSeconds(30));
        var error = task.GetProperty("error").GetString()!;
        Assert.Contains("more than 3 bad rows", error, StringComparison.Ordinal);
        Assert.Contains("line 11:", error, StringComparison.Ordinal);
        Assert.Contains("line 14:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_whose_header_lacks_columns_fails_naming_them()
    {
        var id = await UploadAsync("name,email\nAnn,ann@example.com\n", ApiTestExtensions.UniqueClient("import"));

        var task = await _http.WaitForStatusAsync(id, "failed");
        Assert.Contains("lacks the column(s) date, amount", task.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exported_file_imports_back_with_no_bad_rows()
    {
        var export = await _http.SubmitAsync("csv-export", """{"from":"2015-06-01","till":"2015-06-30"}""", ApiTestExtensions.UniqueClient("roundtrip"));
        await _http.WaitForStatusAsync(export, "succeeded");
        var csv = string.Join('\n', await DownloadAsync(export)) + "\n";

        var import = await UploadAsync(csv, ApiTestExtensions.UniqueClient("roundtrip"));
        var result = (await _http.WaitForStatusAsync(import, "succeeded", TimeSpan.FromSeconds(30))).GetProperty("result");

        Assert.Equal(0, result.GetProperty("bad").GetInt64());
        Assert.Equal(Expected(new DateOnly(2015, 6, 1), new DateOnly(2015, 6, 30)).Count, result.GetProperty("imported").GetInt64());
    }

    [Fact]
    public async Task Same_upload_with_the_same_idempotency_key_is_one_task()
    {
        var csv = ImportFile(2034, 10);
        var client = ApiTestExtensions.UniqueClient("import");

        var first = await SendUploadAsync(Form(csv, client), "same-file");
        var second = await SendUploadAsync(Form(csv, client), "same-file");

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(first.Body.GetProperty("id").GetString(), second.Body.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Upload_errors_are_4xx_problems_that_name_the_problem()
    {
        var client = ApiTestExtensions.UniqueClient("import");

        var json = await _http.PostTaskAsync("csv-import", "{}", client);
        Assert.Equal(HttpStatusCode.BadRequest, json.Status);
        Assert.Contains("multipart/form-data", json.Body.GetProperty("errors").GetProperty("type")[0].GetString(), StringComparison.Ordinal);

        using var noFile = new MultipartFormDataContent { { new StringContent("csv-import"), "type" }, { new StringContent(client), "client" } };
        var missing = await SendUploadAsync(noFile);
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.True(missing.Body.GetProperty("errors").TryGetProperty("file", out _));

        var wrongType = Form("a,b\n", client, type: "sum2");
        var sum2 = await SendUploadAsync(wrongType);
        Assert.Equal(HttpStatusCode.BadRequest, sum2.Status);
        Assert.True(sum2.Body.GetProperty("errors").TryGetProperty("type", out _));

        var badNumber = Form("a,b\n", client, "csv-import", null, "many");
        var many = await SendUploadAsync(badNumber);
        Assert.Equal(HttpStatusCode.BadRequest, many.Status);
        Assert.True(many.Body.GetProperty("errors").TryGetProperty("params.max_bad_rows", out _));

        var tooLarge = await SendUploadAsync(Form(new string('x', (int)CsvApiFixture.MaxUploadBytes + 100_000), client));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.Status);
        Assert.Equal("upload-too-large", tooLarge.Body.GetProperty("code").GetString());
    }

    private static List<NewRecord> Expected(DateOnly from, DateOnly till) =>
        [.. DataSetGenerator.Generate(CsvApiFixture.Rows, CsvApiFixture.Seed).Where(r => r.Date >= from && r.Date <= till)];

    private static (long Id, DateOnly Date, string Name, string Email, string City, decimal Amount) Parse(string line)
    {
        // Generated names, emails and cities hold no commas or quotes.
        var f = line.Split(',');
        Assert.Equal(6, f.Length);
        return (long.Parse(f[0], CultureInfo.InvariantCulture), DateOnly.Parse(f[1], CultureInfo.InvariantCulture), f[2], f[3], f[4],
            decimal.Parse(f[5], CultureInfo.InvariantCulture));
    }

    /// <summary>A CSV of <paramref name="rows"/> good rows dated in <paramref name="year"/>, some data lines replaced by bad ones.</summary>
    private static string ImportFile(int year, int rows, IReadOnlyDictionary<int, string>? bad = null)
    {
        var text = new StringBuilder("name,email,city,date,amount\n");
        for (var i = 1; i <= rows; i++)
        {
            text.Append(bad is not null && bad.TryGetValue(i, out var line)
                ? line
                : string.Create(CultureInfo.InvariantCulture, $"Person {i},p{i}@example.com,\"Town, {i % 7}\",{new DateOnly(year, 1, 1).AddDays(i % 365):yyyy-MM-dd},{i}.25"));
            text.Append('\n');
        }

        return text.ToString();
    }

    private async Task<long> CountExportedAsync(int year)
    {
        var id = await _http.SubmitAsync("csv-export", $$"""{"from":"{{year}}-01-01","till":"{{year}}-12-31"}""", ApiTestExtensions.UniqueClient("count"));
        return (await _http.WaitForStatusAsync(id, "succeeded")).GetProperty("result").GetProperty("rows").GetInt64();
    }

    private async Task<string[]> DownloadAsync(string id)
    {
        using var response = await _http.GetAsync($"/tasks/{id}/file");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static MultipartFormDataContent Form(string csv, string client, string type = "csv-import", int? chunkRows = null, int? maxBadRows = null) =>
        Form(csv, client, type, chunkRows?.ToString(CultureInfo.InvariantCulture), maxBadRows?.ToString(CultureInfo.InvariantCulture));

    private static MultipartFormDataContent Form(string csv, string client, string type, string? chunkRows, string? maxBadRows)
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var form = new MultipartFormDataContent { { new StringContent(type), "type" }, { new StringContent(client), "client" }, { file, "file", "data.csv" } };
        if (chunkRows is not null)
        {
            form.Add(new StringContent(chunkRows), "chunk_rows");
        }

        if (maxBadRows is not null)
        {
            form.Add(new StringContent(maxBadRows), "max_bad_rows");
        }

        return form;
    }

    private Task<ApiResponse> SendUploadAsync(MultipartFormDataContent form, string? idempotencyKey = null) =>
        _http.SendRawAsync(HttpMethod.Post, "/tasks", form, idempotencyKey);

    private async Task<string> UploadAsync(string csv, string client, int? chunkRows = null, int? maxBadRows = null)
    {
        var response = await SendUploadAsync(Form(csv, client, chunkRows: chunkRows, maxBadRows: maxBadRows));
        Assert.True(response.Status == HttpStatusCode.Accepted, $"upload answered {(int)response.Status}: {response.Body}");
        return response.Body.GetProperty("id").GetString()!;
    }
}
