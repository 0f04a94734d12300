using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests;

/// <summary><c>GET /tasks/{id}/events</c>: server-sent status events with progress until the task ends, then the stream closes.</summary>
[Collection(ApiCollection.Name)]
public sealed class EventsStreamTests(TaskerApiFixture api)
{
    private readonly HttpClient _http = api.CreateClient();

    private sealed record ServerEvent(string? Name, string? Id, JsonElement Data);

    /// <summary>
    /// Reads the stream until the server closes it, calling <paramref name="onEvent"/> for each event.
    /// Fails if the stream is still open after 20 seconds.
    /// </summary>
    private async Task<List<ServerEvent>> ReadAllEventsAsync(string id, Func<ServerEvent, Task>? onEvent = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/tasks/{id}/events");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        using var reader = new StreamReader(stream);
        var events = new List<ServerEvent>();
        string? name = null, eventId = null;
        var data = new List<string>();
        try
        {
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Count > 0)
                    {
                        using var document = JsonDocument.Parse(string.Join('\n', data));
                        var item = new ServerEvent(name, eventId, document.RootElement.Clone());
                        events.Add(item);
                        if (onEvent is not null)
                        {
                            await onEvent(item);
                        }
                    }

                    (name, eventId) = (null, null);
                    data.Clear();
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    name = line["event:".Length..].Trim();
                }
                else if (line.StartsWith("id:", StringComparison.Ordinal))
                {
                    eventId = line["id:".Length..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Add(line["data:".Length..].TrimStart());
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"the event stream of task {id} did not close within 20 s; events so far: {string.Join(" | ", events.Select(e => e.Data.ToString()))}");
        }

        return events;
    }

    [Fact]
    public async Task Events_stream_status_with_rising_progress_until_success_then_close()
    {
        const long to = 80;
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("events"), to, delayMs: 10);

        var events = await ReadAllEventsAsync(id);

        Assert.All(events, e => Assert.Equal("status", e.Name));
        Assert.True(events.Count >= 3, $"only {events.Count} events");
        var done = events.Select(e => e.Data.Done()).ToList();
        for (var i = 1; i < done.Count; i++)
        {
            Assert.True(done[i] >= done[i - 1], $"progress went backwards: {string.Join(", ", done)}");
        }

        Assert.True(done.Distinct().Count() >= 3, $"progress did not rise over at least 3 events: {string.Join(", ", done)}");
        var last = events[^1].Data;
        Assert.Equal("succeeded", last.Status());
        Assert.Equal(to, last.Done());
        Assert.Equal("80", last.GetProperty("result").GetRawText());
        Assert.All(events.SkipLast(1), e => Assert.Equal("running", e.Data.Status()));
        Assert.All(events, e => Assert.Equal(id, e.Data.GetProperty("id").GetString()));

        var versions = events.Select(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
    }

    [Fact]
    public async Task Events_stream_ends_with_cancelled_when_the_task_is_cancelled_midway()
    {
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("events"), 1_000_000, delayMs: 10);
        var cancelled = false;
        try
        {
            var events = await ReadAllEventsAsync(id, async e =>
            {
                if (!cancelled && e.Data.Done() >= 6)
                {
                    cancelled = true;
                    Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "cancel")).Status);
                }
            });

            Assert.True(cancelled, "the task never reached 6 steps");
            Assert.True(events.Count >= 3, $"only {events.Count} events");
            var last = events[^1].Data;
            Assert.Equal("cancelled", last.Status());
            Assert.Equal(JsonValueKind.String, last.GetProperty("finishedAt").ValueKind);
            Assert.Single(events, e => e.Data.Status() == "cancelled");
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Events_stream_shows_pause_and_resume_and_goes_on_to_the_end()
    {
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("events"), 100, delayMs: 10);
        var paused = false;
        var resumed = false;
        try
        {
            var events = await ReadAllEventsAsync(id, async e =>
            {
                if (!paused && e.Data.Done() >= 4)
                {
                    paused = true;
                    Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "pause")).Status);
                }
                else if (paused && !resumed && e.Data.Status() == "paused")
                {
                    resumed = true;
                    Assert.Equal(HttpStatusCode.OK, (await _http.CommandAsync(id, "resume")).Status);
                }
            });

            Assert.Contains(events, e => e.Data.Status() == "paused");
            Assert.Equal("succeeded", events[^1].Data.Status());
            Assert.Equal(100, events[^1].Data.Done());
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Events_of_a_finished_task_are_one_final_event_then_the_stream_closes()
    {
        var id = await _http.SubmitAsync("sum2", """{"first":5,"second":6}""", ApiTestExtensions.UniqueClient("events"));

        var events = await ReadAllEventsAsync(id);

        var only = Assert.Single(events);
        Assert.Equal("status", only.Name);
        Assert.Equal("succeeded", only.Data.Status());
        Assert.Equal("11", only.Data.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Events_of_an_unknown_task_are_a_404_problem()
    {
        var response = await _http.SendRawAsync(HttpMethod.Get, "/tasks/0197f3a1c2b34d5e8f90123456789abd/events");

        response.AssertProblem(HttpStatusCode.NotFound, code: "not-found");
    }
}
