using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

/// <summary>
/// Retention (docs/adr/020) on an embedded silo that keeps succeeded and cancelled tasks 2 s, failed ones 6 s, and
/// sweeps every 200 ms: an ended task disappears whole, a task that has not ended stays, whatever its age.
/// </summary>
[Collection(RetentionCollection.Name)]
public sealed partial class RetentionTests(RetentionFixture fixture)
{
    private static readonly TimeSpan _gone = TimeSpan.FromSeconds(15);
    private readonly HttpClient _http = fixture.CreateClient();

    [Fact]
    public async Task A_succeeded_export_disappears_whole_with_its_history_line_and_its_file()
    {
        var client = ApiTestExtensions.UniqueClient("ret-export");
        var id = await _http.SubmitAsync("csv-export", """{"from":"2001-01-01","till":"2001-12-31"}""", client);
        await _http.WaitForStatusAsync(id, "succeeded");
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/tasks/{id}/file")).StatusCode);
        Assert.Single(Directory.EnumerateFiles(fixture.FilesPath, $"{id}*", SearchOption.AllDirectories));

        await WaitGoneAsync(id);

        Assert.Empty((await _http.GetJsonAsync($"/clients/{client}/tasks")).Body.Ids());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/tasks/{id}/file")).StatusCode);
        Assert.Empty(Directory.EnumerateFiles(fixture.FilesPath, $"{id}*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_sequence_expires_with_its_children_and_its_cache_entry()
    {
        var client = ApiTestExtensions.UniqueClient("ret-seq");
        var n = UniqueParameters.Int(1_000, 10_001); // The cache entry is this task's own.
        var id = await _http.SubmitAsync("sequence", $$"""{"n":{{n}}}""", client);
        await _http.WaitForStatusAsync(id, "succeeded", TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/tasks/{id}.1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/tasks/{id}.{n}")).StatusCode);
        var hit = await _http.SubmitAsync("sequence", $$"""{"n":{{n}}}""", client);
        Assert.True((await _http.WaitForStatusAsync(hit, "succeeded")).GetProperty("cached").GetBoolean());

        await WaitGoneAsync(id);

        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/tasks/{id}.1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/tasks/{id}.{n}")).StatusCode);
        // The entry went with the task that computed it: the same request computes again.
        var again = await _http.SubmitAsync("sequence", $$"""{"n":{{n}}}""", client);
        Assert.False((await _http.WaitForStatusAsync(again, "succeeded", TimeSpan.FromSeconds(30))).GetProperty("cached").GetBoolean());
    }

    [Fact]
    public async Task A_short_task_expires_with_the_cache_entry_it_computed()
    {
        var client = ApiTestExtensions.UniqueClient("ret-short");
        var parameters = $$"""{"first":{{Random.Shared.Next()}},"second":17}""";
        var id = await _http.SubmitAsync("sum2", parameters, client);
        var hit = (await _http.PostTaskAsync("sum2", parameters, client)).Body;
        Assert.True(hit.GetProperty("cached").GetBoolean());

        await WaitGoneAsync(id);

        var again = (await _http.PostTaskAsync("sum2", parameters, client)).Body;
        Assert.False(again.GetProperty("cached").GetBoolean(), "the expired task's cache entry still answered");
    }

    [Fact]
    public async Task Running_and_paused_tasks_are_kept_past_every_retention_and_a_cancelled_one_then_goes()
    {
        var client = ApiTestExtensions.UniqueClient("ret-run");
        var running = await _http.SubmitCountAsync(client, 1_000_000, delayMs: 50);
        var paused = await _http.SubmitCountAsync(client, 1_000_000, delayMs: 50);
        await _http.WaitForStatusAsync(running, "running");
        Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(paused, "pause")).Status);
        await _http.WaitForStatusAsync(paused, "paused");

        await Task.Delay(TimeSpan.FromSeconds(8)); // Longer than every retention here, with many sweeps.

        Assert.Equal("running", (await _http.GetJsonAsync($"/tasks/{running}")).Body.Status());
        Assert.Equal("paused", (await _http.GetJsonAsync($"/tasks/{paused}")).Body.Status());
        Assert.Equal(2, (await _http.GetJsonAsync($"/clients/{client}/tasks")).Body.Ids().Count);

        Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(running, "cancel")).Status);
        Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(paused, "cancel")).Status);
        await WaitGoneAsync(running);
        await WaitGoneAsync(paused);
    }

    [Fact]
    public async Task A_failed_task_is_kept_for_its_longer_time_and_then_goes_with_its_upload()
    {
        var client = ApiTestExtensions.UniqueClient("ret-fail");
        var csv = $"nothing,useful\n{Guid.NewGuid():N},2\n"; // The header lacks the columns: the import fails.
        var failed = await ImportAsync(csv, client);
        var ended = await _http.WaitForStatusAsync(failed, "failed");
        var succeeded = await _http.SubmitAsync("sum2", """{"first":1,"second":41}""", client);
        var upload = Path.Combine(fixture.FilesPath, "uploads", $"{JsonDocument.Parse(ended.GetProperty("params").GetRawText()).RootElement.GetProperty("upload").GetString()}.csv");
        Assert.True(File.Exists(upload));

        await WaitGoneAsync(succeeded);
        Assert.Equal("failed", (await _http.GetJsonAsync($"/tasks/{failed}")).Body.Status()); // 2 s have passed, not 6.

        await WaitGoneAsync(failed);
        Assert.False(File.Exists(upload));
    }

    [Fact]
    public async Task An_idempotency_key_is_bound_for_its_retention_and_then_names_a_new_task()
    {
        var client = ApiTestExtensions.UniqueClient("ret-key");
        var key = Guid.NewGuid().ToString("N");
        var first = await _http.PostTaskAsync("sum2", """{"first":2,"second":3}""", client, key);
        var retry = await _http.PostTaskAsync("sum2", """{"first":2,"second":3}""", client, key);
        Assert.Equal(first.Body.GetProperty("id").GetString(), retry.Body.GetProperty("id").GetString());

        await Task.Delay(TimeSpan.FromSeconds(2.5));

        var later = await _http.PostTaskAsync("sum2", """{"first":2,"second":3}""", client, key);
        Assert.True(later.Status is HttpStatusCode.OK or HttpStatusCode.Accepted, $"answered {(int)later.Status}");
        Assert.NotEqual(first.Body.GetProperty("id").GetString(), later.Body.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Metrics_count_the_expired_tasks_and_the_sweeps()
    {
        var before = await MetricsAsync();
        var id = await _http.SubmitAsync("sum2", """{"first":7,"second":8}""", ApiTestExtensions.UniqueClient("ret-metrics"));
        await WaitGoneAsync(id);
        var after = await MetricsAsync();

        Assert.True(after.Expired >= before.Expired + 1, $"expired {before.Expired} -> {after.Expired}");
        Assert.True(after.Sweeps > before.Sweeps, $"sweeps {before.Sweeps} -> {after.Sweeps}");
    }

    [Fact]
    public async Task A_parent_is_kept_past_its_retention_while_a_task_after_it_waits_and_goes_once_that_task_ends()
    {
        var client = ApiTestExtensions.UniqueClient("ret-flow");
        var parent = await _http.SubmitAsync("sum2", $$"""{"first":{{UniqueParameters.Number()}},"second":1}""", client);
        var scheduled = (await _http.PostJsonAsync("/tasks", $$"""{"type":"sum2","params":{"first":1,"second":2},"client":"{{client}}","delay":"PT1H"}""")).Body.GetProperty("id").GetString()!;
        var (status, child) = await _http.PostJsonAsync("/tasks", $$"""{"type":"sum-results","client":"{{client}}","after":["{{parent}}","{{scheduled}}"]}""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("waiting", child.Status());

        await Task.Delay(TimeSpan.FromSeconds(4)); // Twice the retention of a succeeded task, many sweeps.
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/tasks/{parent}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _http.PostAsync($"/tasks/{scheduled}/run-now", null)).StatusCode);
        var childId = child.GetProperty("id").GetString()!;
        await _http.WaitForStatusAsync(childId, "succeeded");
        await WaitGoneAsync(parent);
    }

    [Fact]
    public async Task A_task_cannot_run_after_a_parent_that_has_expired_422_saying_so()
    {
        var client = ApiTestExtensions.UniqueClient("ret-expired");
        var parent = await _http.SubmitAsync("sum2", $$"""{"first":{{UniqueParameters.Number()}},"second":1}""", client);
        await WaitGoneAsync(parent);

        var response = await _http.PostTextAsync("/tasks", $$"""{"type":"sum-results","client":"{{client}}","after":["{{parent}}"]}""");

        response.AssertProblem(HttpStatusCode.UnprocessableEntity, errorKey: "after", code: "parent-expired", detailContains: "expired");
    }

    private async Task WaitGoneAsync(string id)
    {
        var deadline = DateTime.UtcNow + _gone;
        while ((await _http.GetAsync($"/tasks/{id}")).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < deadline, $"task {id} did not expire");
            await Task.Delay(100);
        }
    }

    private async Task<string> ImportAsync(string csv, string client)
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var form = new MultipartFormDataContent { { new StringContent("csv-import"), "type" }, { new StringContent(client), "client" }, { file, "file", "data.csv" } };
        var response = await _http.PostAsync(new Uri("/tasks", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<(double Expired, double Sweeps)> MetricsAsync()
    {
        var text = await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        return (Sum(ExpiredLine(), text), Sum(SweepCountLine(), text));
    }

    private static double Sum(Regex line, string text) =>
        line.Matches(text).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex("^tasker_retention_expired_total\\{[^}]*status=\"succeeded\"[^}]*\\} (\\S+)", RegexOptions.Multiline)]
    private static partial Regex ExpiredLine();

    [GeneratedRegex("^tasker_retention_sweep_duration_seconds_count\\{[^}]*\\} (\\S+)", RegexOptions.Multiline)]
    private static partial Regex SweepCountLine();
}

/// <summary>Embedded mode keeps at most 5 ended tasks here, whatever their age: the oldest go first.</summary>
[Collection(RetentionCollection.Name)]
public sealed class RetentionCapTests
{
    [Fact]
    public async Task Beyond_the_cap_of_ended_tasks_in_memory_the_oldest_go_first()
    {
        await using var silo = new RetentionCapFixture();
        var http = silo.CreateClient();
        var client = ApiTestExtensions.UniqueClient("ret-cap");
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add(await http.SubmitAsync("sum2", $$"""{"first":{{i}},"second":1000}""", client));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await http.GetAsync($"/tasks/{ids[2]}")).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < deadline, "the oldest ended tasks beyond the cap were not expired");
            await Task.Delay(100);
        }

        foreach (var old in ids[..3])
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/tasks/{old}")).StatusCode);
        }

        foreach (var kept in ids[3..])
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/tasks/{kept}")).StatusCode);
        }
    }
}

/// <summary>Succeeded and cancelled tasks kept 2 s, failed ones 6 s, keys 2 s; a sweep every 200 ms; a files directory of its own.</summary>
public sealed class RetentionFixture : WebApplicationFactory<Program>
{
    public string FilesPath { get; } = Directory.CreateTempSubdirectory("tasker-retention-tests-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Files:Path", FilesPath)
            .UseSetting("Tasker:Retention:Succeeded", "00:00:02")
            .UseSetting("Tasker:Retention:Cancelled", "00:00:02")
            .UseSetting("Tasker:Retention:Failed", "00:00:06")
            .UseSetting("Tasker:Retention:IdempotencyKeys", "00:00:02")
            .UseSetting("Tasker:Retention:SweepInterval", "00:00:00.200");

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(FilesPath, recursive: true);
    }
}

/// <summary>At most 5 ended tasks kept in memory, a day's retention: only the cap expires tasks here.</summary>
public sealed class RetentionCapFixture : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Retention:MaxFinishedInMemory", "5")
            .UseSetting("Tasker:Retention:SweepInterval", "00:00:00.200");
}

[CollectionDefinition(Name)]
public sealed class RetentionCollection : ICollectionFixture<RetentionFixture>
{
    public const string Name = "retention";
}
