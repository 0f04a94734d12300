using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests;

/// <summary>Listings (a client's history and <c>GET /tasks</c>): order, cursor paging, filters; and the Idempotency-Key header.</summary>
[Collection(ApiCollection.Name)]
public sealed class ListingTests(TaskerApiFixture api)
{
    private readonly HttpClient _http = api.CreateClient();

    /// <summary>
    /// Submits sum2 tasks with distinct numbers, oldest first. Ids are time-ordered to the millisecond,
    /// so a short pause between submissions makes the submission order the id order.
    /// </summary>
    private async Task<List<string>> SubmitSum2sAsync(string client, int count)
    {
        var ids = new List<string>();
        var salt = Random.Shared.NextInt64(1, 1_000_000_000);
        for (var i = 0; i < count; i++)
        {
            ids.Add(await _http.SubmitAsync("sum2", $$"""{"first":{{salt}},"second":{{i + 1}}}""", client));
            await Task.Delay(3);
        }

        return ids;
    }

    private async Task<JsonElement> PageAsync(string path)
    {
        var (status, page) = await _http.GetJsonAsync(path);
        Assert.True(status == HttpStatusCode.OK, $"GET {path} answered {(int)status}: {page}");
        return page;
    }

    /// <summary>Follows the cursor from the first page to the last and returns every page's ids.</summary>
    private async Task<List<IReadOnlyList<string>>> AllPagesAsync(string path)
    {
        var pages = new List<IReadOnlyList<string>>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var page = await PageAsync(path);
        pages.Add(page.Ids());
        while (page.Next() is { } next)
        {
            Assert.True(pages.Count < 50, "the cursor never ends");
            page = await PageAsync($"{path}{separator}cursor={next}");
            pages.Add(page.Ids());
        }

        return pages;
    }

    [Fact]
    public async Task Client_history_is_newest_first_and_pages_by_cursor_without_duplicates_or_gaps()
    {
        var client = ApiTestExtensions.UniqueClient("pages");
        var submitted = await SubmitSum2sAsync(client, 7);

        var pages = await AllPagesAsync($"/clients/{client}/tasks?limit=3");

        Assert.Equal([3, 3, 1], pages.Select(p => p.Count));
        var all = pages.SelectMany(p => p).ToList();
        Assert.Equal(Enumerable.Reverse(submitted), all);
        Assert.Equal(all.Order(StringComparer.Ordinal).Reverse(), all);
    }

    [Fact]
    public async Task Client_history_page_that_holds_everything_has_no_next()
    {
        var client = ApiTestExtensions.UniqueClient("pages");
        var submitted = await SubmitSum2sAsync(client, 3);

        var exact = await PageAsync($"/clients/{client}/tasks?limit=3");
        var roomy = await PageAsync($"/clients/{client}/tasks");

        Assert.Equal(3, exact.Ids().Count);
        Assert.Null(exact.Next());
        Assert.Equal(Enumerable.Reverse(submitted), roomy.Ids());
        Assert.Null(roomy.Next());
    }

    [Fact]
    public async Task Client_history_items_describe_each_task()
    {
        var client = ApiTestExtensions.UniqueClient("items");
        var id = await _http.SubmitAsync("surprise", """{"first":4}""", client);

        var item = Assert.Single((await PageAsync($"/clients/{client}/tasks")).Items());

        Assert.Equal(id, item.GetProperty("id").GetString());
        Assert.Equal("surprise", item.GetProperty("type").GetString());
        Assert.Equal(client, item.GetProperty("client").GetString());
        Assert.Equal("succeeded", item.Status());
        Assert.Equal($"/tasks/{id}", item.GetProperty("self").GetString());
    }

    [Fact]
    public async Task History_of_a_client_that_never_asked_is_empty()
    {
        var page = await PageAsync($"/clients/{ApiTestExtensions.UniqueClient("nobody")}/tasks");

        Assert.Empty(page.Items());
        Assert.Null(page.Next());
    }

    [Fact]
    public async Task Client_history_filters_by_type_and_status()
    {
        var client = ApiTestExtensions.UniqueClient("filters");
        var sums = await SubmitSum2sAsync(client, 2);
        var product = await _http.SubmitAsync("mult3", """{"first":2,"second":3,"third":4}""", client);
        var counter = await _http.SubmitCountAsync(client, 1_000_000, delayMs: 10);
        try
        {
            var mult3s = await PageAsync($"/clients/{client}/tasks?type=mult3");
            var sum2s = await PageAsync($"/clients/{client}/tasks?type=sum2");
            var running = await PageAsync($"/clients/{client}/tasks?status=running");
            var succeeded = await PageAsync($"/clients/{client}/tasks?status=succeeded");
            var runningSums = await PageAsync($"/clients/{client}/tasks?status=running&type=sum2");

            Assert.Equal([product], mult3s.Ids());
            Assert.Equal(Enumerable.Reverse(sums), sum2s.Ids());
            Assert.Equal([counter], running.Ids());
            Assert.Equal(new[] { product }.Concat(Enumerable.Reverse(sums)), succeeded.Ids());
            Assert.Empty(runningSums.Items());

            Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(counter, "cancel")).Status);
            var cancelled = await PageAsync($"/clients/{client}/tasks?status=cancelled");
            Assert.Equal([counter], cancelled.Ids());
            Assert.Empty((await PageAsync($"/clients/{client}/tasks?status=running")).Items());
        }
        finally
        {
            await _http.CancelQuietlyAsync(counter);
        }
    }

    [Fact]
    public async Task Filtered_history_pages_by_cursor_over_matching_tasks_only()
    {
        var client = ApiTestExtensions.UniqueClient("filtpage");
        var sums = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sums.Add(await _http.SubmitAsync("sum2", $$"""{"first":{{Random.Shared.Next(1, 1_000_000)}},"second":{{i}}}""", client));
            await Task.Delay(3);
            await _http.SubmitAsync("surprise", """{"first":1}""", client);
            await Task.Delay(3);
        }

        var pages = await AllPagesAsync($"/clients/{client}/tasks?type=sum2&limit=2");

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        Assert.Equal(Enumerable.Reverse(sums), pages.SelectMany(p => p));
    }

    [Fact]
    public async Task Task_listing_by_client_matches_the_client_history()
    {
        var client = ApiTestExtensions.UniqueClient("match");
        await SubmitSum2sAsync(client, 5);

        var byHistory = await AllPagesAsync($"/clients/{client}/tasks?limit=2");
        var byTasks = await AllPagesAsync($"/tasks?client={client}&limit=2");

        Assert.Equal(byHistory, byTasks);
        Assert.Equal(5, byTasks.Sum(p => p.Count));
    }

    [Fact]
    public async Task Task_listing_without_client_includes_the_tasks_of_every_client()
    {
        var alice = ApiTestExtensions.UniqueClient("alice");
        var bob = ApiTestExtensions.UniqueClient("bob");
        var aliceId = await _http.SubmitAsync("sum2", """{"first":100,"second":1}""", alice);
        await Task.Delay(3);
        var bobId = await _http.SubmitAsync("sum2", """{"first":200,"second":2}""", bob);

        var page = await PageAsync("/tasks?limit=500");

        var items = page.Items();
        var bobAt = items.ToList().FindIndex(i => i.GetProperty("id").GetString() == bobId);
        var aliceAt = items.ToList().FindIndex(i => i.GetProperty("id").GetString() == aliceId);
        Assert.True(bobAt >= 0, $"bob's task {bobId} is not listed");
        Assert.True(aliceAt >= 0, $"alice's task {aliceId} is not listed");
        Assert.True(bobAt < aliceAt, "the listing is not newest first");
        Assert.Equal(bob, items[bobAt].GetProperty("client").GetString());
        Assert.Equal(alice, items[aliceAt].GetProperty("client").GetString());
        var ids = page.Ids();
        Assert.Equal(ids.Order(StringComparer.Ordinal).Reverse(), ids);
    }

    [Fact]
    public async Task Task_listing_without_client_pages_by_cursor_without_duplicates_or_gaps()
    {
        var alice = ApiTestExtensions.UniqueClient("alice");
        var bob = ApiTestExtensions.UniqueClient("bob");
        var mine = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            mine.Add(await _http.SubmitAsync("sum2", $$"""{"first":{{i}},"second":300}""", alice));
            await Task.Delay(3);
            mine.Add(await _http.SubmitAsync("sum2", $$"""{"first":{{i}},"second":400}""", bob));
            await Task.Delay(3);
        }

        // The newest tasks of all are ours (the collection runs one test at a time); page through them by 4.
        var first = await PageAsync("/tasks?limit=4");
        var second = await PageAsync($"/tasks?limit=4&cursor={first.Next()}");

        var seen = first.Ids().Concat(second.Ids()).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(Enumerable.Reverse(mine), seen.Take(6));
    }

    [Fact]
    public async Task Task_listing_rows_carry_the_progress_and_priority_of_a_running_task()
    {
        var client = ApiTestExtensions.UniqueClient("progress");
        var id = await _http.SubmitCountAsync(client, 100_000, 5);
        try
        {
            // The listing alone shows the task going on: no GET of the task itself.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            JsonElement row;
            do
            {
                await Task.Delay(200);
                row = (await PageAsync("/tasks?status=running&type=count&limit=500")).Items().Single(i => i.GetProperty("id").GetString() == id);
            }
            while (row.GetProperty("progress").GetProperty("done").GetInt64() == 0 && DateTime.UtcNow < deadline);

            Assert.True(row.GetProperty("progress").GetProperty("done").GetInt64() > 0, $"the row's progress never moved: {row}");
            Assert.Equal(100_000, row.GetProperty("progress").GetProperty("total").GetInt64());
            Assert.Equal("normal", row.GetProperty("priority").GetString());
            Assert.Equal(client, row.GetProperty("client").GetString());
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Task_listing_without_client_filters_by_status_and_type_across_clients()
    {
        var alice = ApiTestExtensions.UniqueClient("alice");
        var bob = ApiTestExtensions.UniqueClient("bob");
        var aliceCount = await _http.SubmitCountAsync(alice, 1_000_000, 10);
        var bobCount = await _http.SubmitCountAsync(bob, 1_000_000, 10);
        var bobSum = await _http.SubmitAsync("sum2", """{"first":7,"second":8}""", bob);
        try
        {
            var running = (await PageAsync("/tasks?status=running&limit=500")).Ids();
            Assert.Contains(aliceCount, running);
            Assert.Contains(bobCount, running);
            Assert.DoesNotContain(bobSum, running);

            var sums = (await PageAsync("/tasks?type=sum2&limit=500")).Ids();
            Assert.Contains(bobSum, sums);
            Assert.DoesNotContain(bobCount, sums);
        }
        finally
        {
            await _http.CancelQuietlyAsync(aliceCount);
            await _http.CancelQuietlyAsync(bobCount);
        }
    }

    [Fact]
    public async Task Same_idempotency_key_and_body_return_the_same_task()
    {
        var client = ApiTestExtensions.UniqueClient("idem");
        var key = Guid.NewGuid().ToString();

        var first = await _http.PostTaskAsync("count", """{"to":1000000,"delay_ms":10}""", client, key);
        var retry = await _http.PostTaskAsync("count", """{"delay_ms":10,"to":1000000}""", client, key);
        var id = first.Body.GetProperty("id").GetString()!;
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, first.Status);
            Assert.True(retry.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"retry answered {(int)retry.Status}: {retry.Body}");
            Assert.Equal(id, retry.Body.GetProperty("id").GetString());
            Assert.Equal([id], (await PageAsync($"/clients/{client}/tasks")).Ids());
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Same_idempotency_key_for_an_instant_task_returns_the_same_task_and_result()
    {
        var client = ApiTestExtensions.UniqueClient("idem");
        var key = Guid.NewGuid().ToString();

        var first = await _http.PostTaskAsync("sum2", """{"first":12,"second":30}""", client, key);
        var retry = await _http.PostTaskAsync("sum2", """{"first":12,"second":30}""", client, key);

        Assert.Equal(first.Body.GetProperty("id").GetString(), retry.Body.GetProperty("id").GetString());
        Assert.Equal("42", retry.Body.GetProperty("result").GetRawText());
        Assert.Single((await PageAsync($"/clients/{client}/tasks")).Items());
    }

    [Fact]
    public async Task Same_idempotency_key_with_another_body_is_a_409_idempotency_key_reused()
    {
        var client = ApiTestExtensions.UniqueClient("idem");
        var key = Guid.NewGuid().ToString();
        var first = await _http.PostTaskAsync("sum2", """{"first":1,"second":2}""", client, key);

        var otherNumbers = await _http.PostTaskAsync("sum2", """{"first":1,"second":3}""", client, key);
        var otherType = await _http.PostTaskAsync("mult3", """{"first":1,"second":2,"third":1}""", client, key);

        Assert.True(first.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"answered {(int)first.Status}: {first.Body}");
        otherNumbers.AssertProblem(HttpStatusCode.Conflict, code: "idempotency-key-reused", detailContains: first.Body.GetProperty("id").GetString());
        otherType.AssertProblem(HttpStatusCode.Conflict, code: "idempotency-key-reused");
        Assert.Single((await PageAsync($"/clients/{client}/tasks")).Items());
    }

    [Fact]
    public async Task Concurrent_posts_with_one_idempotency_key_make_one_task()
    {
        var client = ApiTestExtensions.UniqueClient("idem");
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _http.PostTaskAsync("sum2", """{"first":5,"second":5}""", client, key)));

        Assert.All(responses, r => Assert.True(r.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"answered {(int)r.Status}: {r.Body}"));
        Assert.Single(responses.Select(r => r.Body.GetProperty("id").GetString()).Distinct());
        Assert.Single((await PageAsync($"/clients/{client}/tasks")).Items());
    }

    [Fact]
    public async Task Concurrent_posts_with_one_idempotency_key_and_different_bodies_never_answer_with_the_other_request()
    {
        var client = ApiTestExtensions.UniqueClient("idem");
        var key = Guid.NewGuid().ToString();
        string[] bodies = ["""{"first":7,"second":8}""", """{"first":7,"second":9}"""];

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
            (Sent: bodies[i % 2], Response: await _http.PostTaskAsync("sum2", bodies[i % 2], client, key))));

        var accepted = responses.Where(r => r.Response.Status is HttpStatusCode.Accepted or HttpStatusCode.OK).ToList();
        Assert.NotEmpty(accepted);
        foreach (var (sent, response) in responses)
        {
            if (response.Status is HttpStatusCode.Accepted or HttpStatusCode.OK)
            {
                using var expected = JsonDocument.Parse(sent);
                Assert.Equal(expected.RootElement.GetProperty("second").GetInt32(), response.Body.GetProperty("params").GetProperty("second").GetInt32());
            }
            else
            {
                response.AssertProblem(HttpStatusCode.Conflict, code: "idempotency-key-reused");
            }
        }

        Assert.Single(accepted.Select(r => r.Response.Body.GetProperty("id").GetString()).Distinct());
        Assert.Equal(5, accepted.Count);
        Assert.Single((await PageAsync($"/clients/{client}/tasks")).Items());
    }

    [Fact]
    public async Task Idempotency_key_is_scoped_to_its_client()
    {
        var key = Guid.NewGuid().ToString();

        var alice = await _http.PostTaskAsync("sum2", """{"first":1,"second":1}""", ApiTestExtensions.UniqueClient("alice"), key);
        var bob = await _http.PostTaskAsync("sum2", """{"first":1,"second":1}""", ApiTestExtensions.UniqueClient("bob"), key);

        Assert.True(bob.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"answered {(int)bob.Status}: {bob.Body}");
        Assert.NotEqual(alice.Body.GetProperty("id").GetString(), bob.Body.GetProperty("id").GetString());
    }
}
