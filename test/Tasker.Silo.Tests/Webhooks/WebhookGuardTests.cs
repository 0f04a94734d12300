using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests.Webhooks;

/// <summary>
/// Webhooks cannot be turned against the network Tasker runs in: with private addresses refused (the default), a
/// callback to loopback, private, link-local or metadata addresses is refused at submission when the URL says so, and
/// at send time when its name resolves there; every bad callback is a 400 that names its field.
/// </summary>
[Collection(GuardedWebhookCollection.Name)]
public sealed class WebhookGuardTests(GuardedWebhookFixture fixture) : IDisposable
{
    private readonly HttpClient _http = fixture.CreateClient();
    private readonly string _client = "guard-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData("https://127.0.0.1/hook", "loopback")]
    [InlineData("https://127.9.9.9:8443/hook", "loopback")]
    [InlineData("https://localhost/hook", "loopback")]
    [InlineData("https://[::1]/hook", "loopback")]
    [InlineData("https://169.254.169.254/latest/meta-data", "cloud metadata")]
    [InlineData("https://[fd00:ec2::254]/", "cloud metadata")]
    [InlineData("https://10.1.2.3/hook", "private")]
    [InlineData("https://192.168.0.10/hook", "private")]
    [InlineData("https://172.20.0.1/hook", "private")]
    [InlineData("https://100.64.0.1/hook", "CGNAT")]
    [InlineData("https://[fe80::1]/hook", "link-local")]
    [InlineData("https://[fd12:3456::1]/hook", "unique local")]
    [InlineData("https://[::ffff:127.0.0.1]/hook", "loopback")]
    [InlineData("https://0.0.0.0/hook", "unspecified")]
    [InlineData("https://224.0.0.1/hook", "multicast")]
    [InlineData("http://hooks.example.com/hook", "https")]
    [InlineData("ftp://hooks.example.com/hook", "https")]
    [InlineData("/relative/hook", "absolute https")]
    [InlineData("https://user:password@hooks.example.com/hook", "user name")]
    public async Task A_callback_url_that_is_not_https_or_points_to_a_private_address_is_a_400_naming_callback_url(string url, string why)
    {
        var (status, problem) = await _http.PostJsonAsync("/tasks",
            $$"""{"type":"sum2","params":{"first":1,"second":2},"client":"{{_client}}","callback":{"url":"{{url}}"} }""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var message = problem.GetProperty("errors").GetProperty("callback.url")[0].GetString();
        Assert.Contains(why, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"https://hooks.example.com\"", "callback")]
    [InlineData("[]", "callback")]
    [InlineData("{}", "callback.url")]
    [InlineData("{\"url\":42}", "callback.url")]
    [InlineData("{\"url\":\"https://hooks.example.com\",\"events\":[]}", "callback.events")]
    [InlineData("{\"url\":\"https://hooks.example.com\",\"events\":[\"started\"]}", "callback.events")]
    [InlineData("{\"url\":\"https://hooks.example.com\",\"events\":\"succeeded\"}", "callback.events")]
    [InlineData("{\"url\":\"https://hooks.example.com\",\"events\":[1]}", "callback.events")]
    [InlineData("{\"url\":\"https://hooks.example.com\",\"secret\":\"x\"}", "callback.secret")]
    public async Task Each_bad_callback_is_a_400_naming_its_field_alone_and_in_a_batch(string callback, string field)
    {
        var item = $$"""{"type":"sum2","params":{"first":1,"second":2},"client":"{{_client}}","callback":{{callback}}}""";

        var (status, problem) = await _http.PostJsonAsync("/tasks", item);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error under {field}: {problem}");

        var (batchStatus, batch) = await _http.PostJsonAsync("/tasks/batch", $"[{item}]");
        Assert.Equal(HttpStatusCode.OK, batchStatus);
        var refused = batch.GetProperty("results")[0];
        Assert.Equal(400, refused.GetProperty("status").GetInt32());
        Assert.True(refused.GetProperty("problem").GetProperty("errors").TryGetProperty(field, out _), $"no error under {field}: {refused}");
    }

    [Fact]
    public async Task A_bad_callback_in_a_schedules_template_is_a_400_naming_task_callback_url()
    {
        var response = await _http.PutTextAsync("/schedules/bad-hook",
            $$"""{"client":"{{_client}}","task":{"type":"sum2","params":{"first":1,"second":2},"callback":{"url":"https://169.254.169.254/"} },"every":"PT1H"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.True(response.Body.GetProperty("errors").TryGetProperty("task.callback.url", out _), response.Body.ToString());
    }

    [Theory]
    [InlineData("loopback.test", "127.0.0.1", "loopback")]
    [InlineData("metadata.test", "169.254.169.254", "cloud metadata")]
    public async Task A_host_name_that_resolves_to_a_private_address_when_sent_is_refused_once_and_not_retried(string host, string address, string kind)
    {
        var secret = await WebhookDeliveryTests.MakeSecretAsync(_http, _client);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        var (status, task) = await _http.PostJsonAsync("/tasks",
            $$"""{"type":"count","params":{"to":2,"delay_ms":1},"client":"{{_client}}","callback":{"url":"https://{{host}}/hook"} }""");
        Assert.Equal(HttpStatusCode.Accepted, status); // A name is judged when it is resolved, at send time.
        var id = task.GetProperty("id").GetString();

        JsonElement deliveries;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        do
        {
            await Task.Delay(50);
            (_, deliveries) = await _http.GetJsonAsync($"/tasks/{id}/deliveries");
            Assert.True(DateTime.UtcNow < deadline, $"not refused in time: {deliveries}");
        }
        while (deliveries.GetProperty("status").GetString() != "refused");

        await Task.Delay(500); // Backoff here is 50–200 ms: a retry would have come by now.
        (_, deliveries) = await _http.GetJsonAsync($"/tasks/{id}/deliveries");
        var attempt = Assert.Single(deliveries.GetProperty("attempts").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, attempt.GetProperty("statusCode").ValueKind);
        var error = attempt.GetProperty("error").GetString()!;
        Assert.Contains(address, error, StringComparison.Ordinal);
        Assert.Contains(kind, error, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", deliveries.ToString(), StringComparison.Ordinal);
        Assert.True(fixture.Resolver.Lookups > 0);
    }
}
