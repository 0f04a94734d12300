using System.Net;
using static System.FormattableString;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Tasker.Testing;

namespace Tasker.Browser.Tests;

/// <summary>The web page at <c>/</c>, driven in headless chromium the way a person uses it.</summary>
[Collection(PageCollection.Name)]
public sealed class WebPageTests(TaskerPageFixture fixture)
{
    /// <summary>Set to a file path to keep the screenshot of the page with a running export (docs/web-page.png).</summary>
    public const string ScreenshotVariable = "TASKER_PAGE_SCREENSHOT";

    private static readonly TimeSpan _long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_count_task_submitted_from_the_form_climbs_stops_while_paused_resumes_and_succeeds()
    {
        var page = await fixture.OpenPageAsync();
        var id = await page.SubmitAsync("count", TaskerPageFixture.UniqueClient("count"), ("to", "300"), ("delay_ms", "25"));
        var row = page.TaskRow(id);

        await PageDriver.Eventually(async () => await row.DoneAsync() > 0, _long, async () => $"the bar did not move: {await row.PercentAsync()} %");
        var first = await row.DoneAsync();
        await PageDriver.Eventually(async () => await row.DoneAsync() > first, _long, async () => $"the bar stayed at {first} steps");
        Assert.Equal("running", await row.StatusAsync());

        await row.Locator("button[data-action='pause']").ClickAsync();
        await row.WaitForStatusAsync("paused", _long);
        await Assertions.Expect(row.Locator("button[data-action='resume']")).ToBeVisibleAsync();
        await Assertions.Expect(row.Locator("button[data-action='pause']")).ToHaveCountAsync(0);
        await Task.Delay(300);  // the chunk in flight when pause arrived may still land
        var atPause = await row.DoneAsync();
        await Task.Delay(1500);
        Assert.Equal(atPause, await row.DoneAsync());
        Assert.True(atPause < 300, $"the task finished ({atPause} steps) before it could be paused");

        await row.Locator("button[data-action='resume']").ClickAsync();
        await row.WaitForStatusAsync("succeeded", _long);
        Assert.Equal(300, await row.DoneAsync());
        Assert.Equal(100, await row.PercentAsync());
        await Assertions.Expect(row.Locator(".result")).ToHaveTextAsync("300");
        await Assertions.Expect(row.Locator("button[data-action='cancel']")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_running_count_task_is_cancelled_from_its_row()
    {
        var page = await fixture.OpenPageAsync();
        var id = await page.SubmitAsync("count", TaskerPageFixture.UniqueClient("cancel"), ("to", "2000"), ("delay_ms", "25"));
        var row = page.TaskRow(id);
        await row.WaitForStatusAsync("running", _long);

        await row.Locator("button[data-action='cancel']").ClickAsync();

        await row.WaitForStatusAsync("cancelled", _long);
        await Assertions.Expect(row.Locator("button[data-action='pause'], button[data-action='resume'], button[data-action='cancel']")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_csv_export_submitted_from_the_form_shows_progress_and_its_file_downloads_and_uploads_again()
    {
        var page = await fixture.OpenPageAsync();
        var client = TaskerPageFixture.UniqueClient("export");
        await Assertions.Expect(page.Locator("#submit-type option[value='csv-export']")).ToHaveCountAsync(1);
        if (Environment.GetEnvironmentVariable(ScreenshotVariable) is { Length: > 0 })
        {
            await ArrangeScreenshotSceneAsync();
        }

        var id = await page.SubmitAsync("csv-export", client, ("from", "2012-01-01"), ("till", "2019-12-31"), ("chunk_rows", "10"));
        var row = page.TaskRow(id);

        await PageDriver.Eventually(async () => await row.PercentAsync() >= 25, _long, async () => $"the export shows no progress; it is {await row.StatusAsync()}");
        Assert.Equal("running", await row.StatusAsync());
        await Task.Delay(400);  // the bar's width eases in
        await SaveScreenshotAsync(page);

        await row.WaitForStatusAsync("succeeded", TimeSpan.FromSeconds(120));
        var rows = await row.DoneAsync();
        await Assertions.Expect(row.Locator(".result")).ToContainTextAsync(Invariant($"{rows:N0} rows"));
        var link = row.Locator("a[data-action='download']");
        await Assertions.Expect(link).ToHaveAttributeAsync("href", $"/tasks/{id}/file");
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var path = await download.PathAsync();
        var lines = (await File.ReadAllLinesAsync(path)).Where(l => l.Length > 0).ToList();

        Assert.StartsWith("id,date,", lines[0], StringComparison.Ordinal);
        Assert.Equal(rows, lines.Count - 1);
        Assert.All(lines.Skip(1), line => Assert.Matches("^[0-9]+,201[2-9]-[0-9]{2}-[0-9]{2},", line));

        // The downloaded file goes back in through the upload form.
        await page.Locator("#submit-type").SelectOptionAsync("csv-import");
        await page.Locator("#param-file").SetInputFilesAsync(path);
        var importId = await page.SubmitAsync("csv-import", client);
        var imported = page.TaskRow(importId);
        await imported.WaitForStatusAsync("succeeded", TimeSpan.FromSeconds(120));
        await Assertions.Expect(imported.Locator(".result")).ToHaveTextAsync(Invariant($"{rows:N0} of {rows:N0} rows imported"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Running_tasks_show_their_progress_from_the_listing_alone_without_a_request_per_task()
    {
        var client = TaskerPageFixture.UniqueClient("listed");
        using var api = fixture.Api();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await SubmitAsync(api, "count", client, new { to = 100_000, delay_ms = 20 }));
        }

        var page = await fixture.OpenPageAsync();
        var perTask = new List<string>();
        page.Request += (_, request) =>
        {
            var path = new Uri(request.Url).AbsolutePath;
            if (ids.Any(id => path == $"/tasks/{id}"))
            {
                lock (perTask)
                {
                    perTask.Add(path);
                }
            }
        };
        await page.RouteAsync("**/tasks/*/events", route => route.AbortAsync()); // No streams: only the listing can move the bars.
        await page.Locator("#filter-client").FillAsync(client);

        foreach (var id in ids)
        {
            var row = page.TaskRow(id);
            await PageDriver.Eventually(async () => await row.DoneAsync() > 0, _long, async () => $"{id}'s bar did not move: {await row.PercentAsync()} %");
        }

        var first = await page.TaskRow(ids[0]).DoneAsync();
        await PageDriver.Eventually(async () => await page.TaskRow(ids[0]).DoneAsync() > first, _long, async () => $"the bar stayed at {first} steps");
        lock (perTask)
        {
            Assert.Empty(perTask);
        }

        foreach (var id in ids)
        {
            (await api.PostAsync(new Uri($"tasks/{id}/cancel", UriKind.Relative), null)).EnsureSuccessStatusCode();
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Filters_narrow_the_list_to_the_chosen_client_type_and_status()
    {
        var alice = TaskerPageFixture.UniqueClient("alice");
        var bob = TaskerPageFixture.UniqueClient("bob");
        using var api = fixture.Api();
        var aliceSum = await SubmitAsync(api, "sum2", alice, new { first = 1, second = 2 });
        var aliceProduct = await SubmitAsync(api, "mult3", alice, new { first = 2, second = 3, third = 4 });
        var aliceCount = await SubmitAsync(api, "count", alice, new { to = 100_000, delay_ms = 50 });
        var bobSum = await SubmitAsync(api, "sum2", bob, new { first = 5, second = 6 });
        var page = await fixture.OpenPageAsync();
        var rows = page.Locator("#task-rows tr.task");

        await page.Locator("#filter-client").FillAsync(alice);
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await Assertions.Expect(page.TaskRow(bobSum)).ToHaveCountAsync(0);

        await page.Locator("#filter-type").SelectOptionAsync("sum2");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(page.TaskRow(aliceSum)).ToHaveCountAsync(1);

        await page.Locator("#filter-type").SelectOptionAsync("");
        await page.Locator("#filter-status").SelectOptionAsync("running");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(page.TaskRow(aliceCount)).ToHaveCountAsync(1);

        await page.Locator("#filters button[type='reset']").ClickAsync();
        await Assertions.Expect(page.TaskRow(bobSum)).ToHaveCountAsync(1);
        await Assertions.Expect(page.TaskRow(aliceProduct)).ToHaveCountAsync(1);

        (await api.PostAsync(new Uri($"tasks/{aliceCount}/cancel", UriKind.Relative), null)).EnsureSuccessStatusCode();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_task_that_runs_after_another_shows_waiting_with_its_parent_and_runs_once_the_parent_ends()
    {
        var client = TaskerPageFixture.UniqueClient("flow");
        using var api = fixture.Api();
        var parent = await SubmitAsync(api, "count", client, new { to = 40, delay_ms = Tasker.Testing.UniqueParameters.Int(300, 400) });
        using var response = await api.PostAsJsonAsync(new Uri("/tasks", UriKind.Relative),
            new { type = "sum-results", client, after = new[] { parent } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var child = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var page = await fixture.OpenPageAsync();
        await page.Locator("#filter-client").FillAsync(client);
        var row = page.TaskRow(child);

        await row.WaitForStatusAsync("waiting", _long);
        await Assertions.Expect(row.Locator(".progress-text")).ToHaveTextAsync("after 1 task");
        await Assertions.Expect(row.Locator(".progress-text")).ToHaveAttributeAsync("title", $"runs after {parent} (all_succeeded)");
        await Assertions.Expect(row.Locator("button[data-action='cancel']")).ToBeVisibleAsync();
        if (Environment.GetEnvironmentVariable("TASKER_FLOW_SCREENSHOT") is { Length: > 0 } path)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        }

        await row.WaitForStatusAsync("succeeded", _long);
        await Assertions.Expect(row.Locator(".result")).ToHaveTextAsync("40");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_task_with_a_callback_shows_its_delivery_and_its_parent_and_child_as_links_in_its_details()
    {
        var client = TaskerPageFixture.UniqueClient("hooked");
        using var api = fixture.Api();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Secret = await MakeSecretAsync(api, client);
        var parent = await SubmitAsync(api, "sum2", client, new { first = 2, second = 3 });
        using var response = await api.PostAsJsonAsync(new Uri("/tasks", UriKind.Relative),
            new { type = "sum-results", client, after = new[] { parent }, callback = new { url = receiver.Url } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var child = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.True(await receiver.WaitForAsync(1, _long), "no webhook arrived");

        var page = await fixture.OpenPageAsync();
        await page.Locator("#filter-client").FillAsync(client);
        var row = page.TaskRow(child);
        await row.WaitForStatusAsync("succeeded", _long);
        await row.Locator("button[data-action='details']").ClickAsync();

        var details = page.Locator($"tr[data-details-for='{child}']");
        var attempt = details.Locator(".deliveries tr.attempt");
        await Assertions.Expect(attempt).ToHaveCountAsync(1);
        await Assertions.Expect(attempt.Locator(".code")).ToHaveTextAsync("200");
        await Assertions.Expect(attempt.Locator(".duration")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9,]+ ms$"));
        await Assertions.Expect(attempt.Locator(".error")).ToHaveTextAsync("");
        await Assertions.Expect(attempt.Locator(".at")).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("^20[0-9]{2}-"));
        await Assertions.Expect(details.Locator(".delivery-status")).ToHaveTextAsync("delivered");
        await Assertions.Expect(details.Locator(".delivery-url")).ToHaveTextAsync(receiver.Url);
        await Assertions.Expect(details.Locator($".flow [data-flow='parents'] a[data-task-link='{parent}']")).ToHaveAttributeAsync("href", $"/tasks/{parent}");
        Assert.All(await details.Locator(".flow, .deliveries").AllInnerTextsAsync(), text => Assert.DoesNotContain("null", text, StringComparison.Ordinal));
        if (Environment.GetEnvironmentVariable("TASKER_DELIVERY_SCREENSHOT") is { Length: > 0 } path)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        }

        // The parent, reached through its link, shows its child; it has no callback, so no deliveries.
        await details.Locator($"a[data-task-link='{parent}']").ClickAsync();
        var parentDetails = page.Locator($"tr[data-details-for='{parent}']");
        await Assertions.Expect(parentDetails).ToBeVisibleAsync();
        await Assertions.Expect(parentDetails.Locator($".flow [data-flow='children'] a[data-task-link='{child}']")).ToHaveCountAsync(1);
        await Assertions.Expect(parentDetails.Locator(".deliveries")).ToBeHiddenAsync();
        await Assertions.Expect(parentDetails.Locator(".flow [data-flow='parents']")).ToHaveCountAsync(0);
        Assert.Equal(0, receiver.BadSignatures);
        Assert.Single(receiver.Requests);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Suspending_a_process_from_the_page_refuses_its_tasks_until_it_is_activated_again()
    {
        var page = await fixture.OpenPageAsync();
        var client = TaskerPageFixture.UniqueClient("suspend");
        var process = page.ProcessItem("surprise");

        await page.Locator("#suspend-reason").FillAsync("choir practice");
        await process.Locator("button[data-action='suspend']").ClickAsync();
        await Assertions.Expect(process).ToHaveAttributeAsync("data-status", "suspended");
        await Assertions.Expect(process).ToContainTextAsync("choir practice");

        await page.Locator("#submit-type").SelectOptionAsync("surprise");
        await page.Locator("#submit-client").FillAsync(client);
        await page.Locator("#param-first").FillAsync("2");
        await page.Locator("#submit-button").ClickAsync();
        var message = page.Locator("#submit-message");
        await Assertions.Expect(message).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("error"));
        await Assertions.Expect(message).ToContainTextAsync("suspended");

        await process.Locator("button[data-action='activate']").ClickAsync();
        await Assertions.Expect(process).ToHaveAttributeAsync("data-status", "active");
        var id = await page.SubmitAsync("surprise", client, ("first", "2"));
        await page.TaskRow(id).WaitForStatusAsync("succeeded", _long);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Text_from_a_task_is_shown_as_text_and_never_run_as_markup()
    {
        const string Markup = "<img id=\"injected\" src=\"x\" onerror=\"document.body.dataset.pwned=1\">";
        var page = await fixture.OpenPageAsync();
        var id = await page.SubmitAsync("input", TaskerPageFixture.UniqueClient("escape"), ("input_param", Markup));
        var row = page.TaskRow(id);
        await row.WaitForStatusAsync("succeeded", _long);

        await row.Locator("button[data-action='details']").ClickAsync();
        var details = page.Locator($"tr[data-details-for='{id}'] pre");
        await Assertions.Expect(details).ToContainTextAsync("onerror");
        Assert.Contains(Markup, JsonSerializer.Deserialize<JsonElement>((await details.TextContentAsync())!).GetProperty("params").GetProperty("input_param").GetString(), StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#injected")).ToHaveCountAsync(0);
        Assert.Null(await page.Locator("body").GetAttributeAsync("data-pwned"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_root_serves_the_page_to_browsers_and_the_index_of_links_to_JSON_callers()
    {
        using var api = fixture.Api();
        using var html = await api.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", html.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
        request.Headers.Accept.ParseAdd("application/json");
        using var json = await api.SendAsync(request);
        var links = (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("links");
        Assert.Equal("/tasks", links.GetProperty("tasks").GetString());
        Assert.Equal("/dashboard/", links.GetProperty("dashboard").GetString());

        var page = await fixture.OpenPageAsync();
        foreach (var href in new[] { "/tasks", "/processes", "/openapi/v1.json", "/scalar/v1", "/dashboard/", "/health/ready", "/metrics" })
        {
            await Assertions.Expect(page.Locator($"nav.links a[href='{href}']")).ToHaveCountAsync(1);
        }

        await page.Context.CloseAsync();
    }

    private static async Task<string> SubmitAsync(HttpClient api, string type, string client, object parameters)
    {
        using var response = await api.PostAsJsonAsync(new Uri("/tasks", UriKind.Relative), new { type, client, @params = parameters });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<string> MakeSecretAsync(HttpClient api, string client)
    {
        using var response = await api.PostAsync(new Uri($"/users/{client}/webhook-secret", UriKind.Relative), null);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
    }

    /// <summary>A few other tasks, so that the kept screenshot shows the page as people see it.</summary>
    private async Task ArrangeScreenshotSceneAsync()
    {
        using var api = fixture.Api();
        await SubmitAsync(api, "sum2", "alice", new { first = 1.5, second = 2 });
        await SubmitAsync(api, "surprise", "bob", new { first = 1 });
        await SubmitAsync(api, "sequence", "carol", new { n = 40 });
        var paused = await SubmitAsync(api, "count", "bob", new { to = 5000, delay_ms = 20 });
        var cancelled = await SubmitAsync(api, "count", "alice", new { to = 5000, delay_ms = 20 });
        await SubmitAsync(api, "count", "carol", new { to = 100_000, delay_ms = 20 });
        await Task.Delay(1500);
        (await api.PostAsync(new Uri($"/tasks/{paused}/pause", UriKind.Relative), null)).EnsureSuccessStatusCode();
        (await api.PostAsync(new Uri($"/tasks/{cancelled}/cancel", UriKind.Relative), null)).EnsureSuccessStatusCode();
    }

    private static async Task SaveScreenshotAsync(IPage page)
    {
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = false });
        await File.WriteAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "web-page.png"), bytes);
        if (Environment.GetEnvironmentVariable(ScreenshotVariable) is { Length: > 0 } keep)
        {
            await File.WriteAllBytesAsync(keep, bytes);
        }
    }
}
