using System.Net;
using System.Text.Json;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Webhooks;

/// <summary>Completion webhooks end to end: a real silo, a real receiver on loopback that verifies every signature.</summary>
[Collection(WebhookCollection.Name)]
public sealed class WebhookDeliveryTests(WebhookApiFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(20);

    private readonly HttpClient _http = fixture.CreateClient();
    private readonly string _client = "hooks-" + Guid.NewGuid().ToString("N")[..8];
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _receiver.Secret = await MakeSecretAsync(_http, _client);
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task A_task_that_succeeds_is_announced_once_signed_with_its_clients_secret_and_the_body_is_its_task_view()
    {
        var id = await SubmitAsync(_receiver.Url);
        Assert.True(await _receiver.WaitForAsync(1, _patience));
        var (_, task) = await _http.GetJsonAsync($"/tasks/{id}");

        var received = Assert.Single(_receiver.Requests);
        Assert.True(received.Verified, "the signature did not verify");
        Assert.Equal("msg_" + id, received.WebhookId);
        var body = received.Json;
        Assert.Equal("task.succeeded", body.GetProperty("type").GetString());
        Assert.Equal(task.GetProperty("finishedAt").GetDateTimeOffset(), body.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal(task.ToString(), body.GetProperty("data").ToString()); // The view GET /tasks/{id} answers, as it is.
        Assert.Equal(_receiver.Url, task.GetProperty("callback").GetProperty("url").GetString());
        Assert.DoesNotContain("whsec_", body.ToString(), StringComparison.Ordinal);

        var deliveries = await WaitForDeliveryAsync(id, "delivered");
        Assert.Equal("msg_" + id, deliveries.GetProperty("webhookId").GetString());
        var attempt = Assert.Single(deliveries.GetProperty("attempts").EnumerateArray());
        Assert.Equal(200, attempt.GetProperty("statusCode").GetInt32());
        Assert.Equal("msg_" + id, attempt.GetProperty("webhookId").GetString());
        Assert.DoesNotContain("whsec_", deliveries.ToString(), StringComparison.Ordinal);

        await Task.Delay(500);
        Assert.Single(_receiver.Requests);
    }

    [Theory]
    [InlineData("sum2", """{"first":20,"second":22}""", "task.succeeded")] // Ends within its submission.
    [InlineData("sum-results", "{}", "task.failed")] // Ends within its submission too: its parent has ended, and its result is no number.
    public async Task A_task_that_ends_within_its_submission_is_announced_too(string type, string parameters, string announced)
    {
        var parent = await _http.SubmitAsync("input", $$"""{"input_param":"{{Guid.NewGuid():N}}"}""", _client);
        var after = type == "sum-results" ? $$""","after":["{{parent}}"]""" : "";
        var (status, task) = await _http.PostJsonAsync("/tasks",
            $$"""{"type":"{{type}}","params":{{parameters}},"client":"{{_client}}","callback":{"url":"{{_receiver.Url}}"}{{after}} }""");
        Assert.True(status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{(int)status}: {task}");
        Assert.True(task.GetProperty("status").GetString() is "succeeded" or "failed", task.ToString());

        Assert.True(await _receiver.WaitForAsync(1, _patience), "no webhook arrived");

        var received = Assert.Single(_receiver.Requests);
        Assert.True(received.Verified);
        Assert.Equal("msg_" + task.GetProperty("id").GetString(), received.WebhookId);
        Assert.Equal(announced, received.Json.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_receiver_that_answers_503_five_times_and_then_200_gets_the_same_webhook_id_six_times_and_then_no_more()
    {
        _receiver.AnswerNext(503, 503, 503, 503, 503);
        var id = await SubmitAsync(_receiver.Url);

        Assert.True(await _receiver.WaitForAsync(6, _patience), $"{_receiver.Requests.Count} requests arrived");
        var deliveries = await WaitForDeliveryAsync(id, "delivered");
        await Task.Delay(1000); // Backoff here is 50–200 ms: a seventh would have come by now.

        Assert.Equal(6, _receiver.Requests.Count);
        Assert.All(_receiver.Requests, r => Assert.Equal("msg_" + id, r.WebhookId));
        Assert.All(_receiver.Requests, r => Assert.True(r.Verified));
        var attempts = deliveries.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal([503, 503, 503, 503, 503, 200], attempts.Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.All(attempts.Take(5), a => Assert.Contains("503", a.GetProperty("error").GetString(), StringComparison.Ordinal));
        Assert.Equal(6, deliveries.GetProperty("attemptCount").GetInt32());
    }

    [Fact]
    public async Task A_receiver_that_answers_410_gets_no_more()
    {
        _receiver.AnswerAlways = 410;
        var id = await SubmitAsync(_receiver.Url);

        var deliveries = await WaitForDeliveryAsync(id, "gone");
        await Task.Delay(1000);

        Assert.Single(_receiver.Requests);
        Assert.Equal(410, Assert.Single(deliveries.GetProperty("attempts").EnumerateArray()).GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task Only_the_ends_a_callback_asks_for_are_announced_and_a_cancelled_task_is_announced_as_task_cancelled()
    {
        var succeeded = await SubmitAsync(_receiver.Url, events: """["failed","cancelled"]""");
        var (status, scheduled) = await _http.PostJsonAsync("/tasks",
            $$"""{"type":"sum2","params":{"first":1,"second":2},"client":"{{_client}}","delay":"PT1H","callback":{"url":"{{_receiver.Url}}","events":["cancelled"]} }""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        var cancelled = scheduled.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(HttpMethod.Post, $"/tasks/{cancelled}/cancel")).Status);

        Assert.True(await _receiver.WaitForAsync(1, _patience));
        await _http.WaitForStatusAsync(succeeded, "succeeded");
        await Task.Delay(500);

        var received = Assert.Single(_receiver.Requests);
        Assert.Equal("task.cancelled", received.Json.GetProperty("type").GetString());
        Assert.Equal(cancelled, received.Json.GetProperty("data").GetProperty("id").GetString());
        var (_, none) = await _http.GetJsonAsync($"/tasks/{succeeded}/deliveries");
        Assert.Equal("none", none.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await _http.SendAsync(HttpMethod.Post, $"/tasks/{succeeded}/deliveries/redeliver")).Status);
    }

    [Fact]
    public async Task Redeliver_sends_the_same_webhook_id_again_signed()
    {
        var id = await SubmitAsync(_receiver.Url);
        await WaitForDeliveryAsync(id, "delivered");

        var (status, _) = await _http.SendAsync(HttpMethod.Post, $"/tasks/{id}/deliveries/redeliver");
        Assert.Equal(HttpStatusCode.Accepted, status);

        Assert.True(await _receiver.WaitForAsync(2, _patience));
        Assert.All(_receiver.Requests, r => Assert.Equal("msg_" + id, r.WebhookId));
        Assert.All(_receiver.Requests, r => Assert.True(r.Verified));
        var deliveries = await WaitForDeliveryAsync(id, "delivered", attempts: 2);
        Assert.Equal(2, deliveries.GetProperty("attemptCount").GetInt32());
    }

    [Fact]
    public async Task Nothing_unsigned_is_sent_a_delivery_waits_for_its_clients_first_secret_and_a_rotated_secret_still_verifies_for_a_while()
    {
        var client = "nosecret-" + Guid.NewGuid().ToString("N")[..8];
        var id = await SubmitAsync(_receiver.Url, client: client);
        var waiting = await WaitForAsync(id, d => d.GetProperty("attemptCount").GetInt32() >= 2);
        Assert.Equal("pending", waiting.GetProperty("status").GetString());
        Assert.Contains("no webhook secret", waiting.GetProperty("attempts")[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(_receiver.Requests);

        var first = await MakeSecretAsync(_http, client);
        _receiver.Secret = first;
        await WaitForDeliveryAsync(id, "delivered");
        Assert.True(Assert.Single(_receiver.Requests).Verified);

        var second = await MakeSecretAsync(_http, client);
        Assert.NotEqual(first, second);
        await _http.SendAsync(HttpMethod.Post, $"/tasks/{id}/deliveries/redeliver");
        Assert.True(await _receiver.WaitForAsync(2, _patience));
        Assert.True(_receiver.Requests[1].Verified, "a receiver that still has the previous secret verifies during the grace period");
        _receiver.Secret = second;
        await _http.SendAsync(HttpMethod.Post, $"/tasks/{id}/deliveries/redeliver");
        Assert.True(await _receiver.WaitForAsync(3, _patience));
        Assert.True(_receiver.Requests[2].Verified);
    }

    [Fact]
    public async Task A_batch_item_may_carry_a_callback()
    {
        var (status, body) = await _http.PostJsonAsync("/tasks/batch",
            $$"""[{"type":"count","params":{"to":2,"delay_ms":1},"client":"{{_client}}","callback":{"url":"{{_receiver.Url}}"} }]""");
        Assert.Equal(HttpStatusCode.OK, status);
        var id = body.GetProperty("results")[0].GetProperty("task").GetProperty("id").GetString();

        Assert.True(await _receiver.WaitForAsync(1, _patience));
        Assert.Equal(id, _receiver.Requests[0].Json.GetProperty("data").GetProperty("id").GetString());
        Assert.True(_receiver.Requests[0].Verified);
    }

    [Fact]
    public async Task A_schedules_template_may_carry_a_callback_and_each_task_it_makes_is_announced()
    {
        var put = await _http.PutTextAsync($"/schedules/hooked",
            $$"""{"client":"{{_client}}","task":{"type":"count","params":{"to":2,"delay_ms":1},"callback":{"url":"{{_receiver.Url}}","events":["succeeded"]} },"cron":"0 0 1 1 *"}""");
        Assert.Equal(HttpStatusCode.Created, put.Status);
        Assert.Equal(_receiver.Url, put.Body.GetProperty("task").GetProperty("callback").GetProperty("url").GetString());

        var triggered = await _http.SendRawAsync(HttpMethod.Post, $"/schedules/hooked/trigger?client={_client}");
        Assert.Equal(HttpStatusCode.OK, triggered.Status);

        Assert.True(await _receiver.WaitForAsync(1, _patience));
        Assert.Equal(triggered.Body.GetProperty("taskId").GetString(), _receiver.Requests[0].Json.GetProperty("data").GetProperty("id").GetString());
        Assert.True(_receiver.Requests[0].Verified);
    }

    internal static async Task<string> MakeSecretAsync(HttpClient http, string client)
    {
        using var response = await http.PostAsync($"/users/{client}/webhook-secret", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var secret = json.RootElement.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        return secret;
    }

    private async Task<string> SubmitAsync(string url, string? client = null, string events = "null")
    {
        var (status, task) = await _http.PostJsonAsync("/tasks",
            $$"""{"type":"count","params":{"to":2,"delay_ms":1},"client":"{{client ?? _client}}","callback":{"url":"{{url}}","events":{{events}} } }""");
        Assert.True(status == HttpStatusCode.Accepted, $"{(int)status}: {task}");
        return task.GetProperty("id").GetString()!;
    }

    private Task<JsonElement> WaitForDeliveryAsync(string id, string status, int attempts = 1) =>
        WaitForAsync(id, d => d.GetProperty("status").GetString() == status && d.GetProperty("attemptCount").GetInt32() >= attempts);

    private async Task<JsonElement> WaitForAsync(string id, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow + _patience;
        while (true)
        {
            var (status, deliveries) = await _http.GetJsonAsync($"/tasks/{id}/deliveries");
            Assert.Equal(HttpStatusCode.OK, status);
            if (until(deliveries))
            {
                return deliveries;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the delivery of {id} did not get there in time; last seen: {deliveries}");
            await Task.Delay(50);
        }
    }
}
