using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Tasker.Silo.Tests;

/// <summary>Small helpers for calling the API as curl would.</summary>
public static class ApiTestExtensions
{
    /// <summary>POSTs raw text as JSON and returns the status and the parsed body (default when empty).</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(this HttpClient http, string path, string json, string contentType = "application/json")
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await http.PostAsync(path, content);
        return (response.StatusCode, await ReadAsync(response));
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(this HttpClient http, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await ReadAsync(response));
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(this HttpClient http, string path) => http.SendAsync(HttpMethod.Get, path);

    /// <summary>Submits a task and returns its id, asserting it was accepted.</summary>
    public static async Task<string> SubmitAsync(this HttpClient http, string type, string parametersJson, string client)
    {
        var (status, body) = await http.PostJsonAsync("/tasks", $$"""{"type":"{{type}}","params":{{parametersJson}},"client":"{{client}}"}""");
        Assert.True(status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"submit {type} answered {(int)status}: {body}");
        return body.GetProperty("id").GetString()!;
    }

    /// <summary>Polls the task (long-poll on its version) until <paramref name="until"/> holds or the time runs out.</summary>
    public static async Task<JsonElement> WaitForAsync(this HttpClient http, string id, Func<JsonElement, bool> until, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        long version = 0;
        while (true)
        {
            var (status, task) = await http.GetJsonAsync($"/tasks/{id}?after={version}&timeout=2");
            Assert.Equal(HttpStatusCode.OK, status);
            if (until(task))
            {
                return task;
            }

            Assert.True(DateTime.UtcNow < deadline, $"task {id} did not reach the expected state in time; last seen: {task}");
            version = task.GetProperty("version").GetInt64();
        }
    }

    public static Task<JsonElement> WaitForStatusAsync(this HttpClient http, string id, string status, TimeSpan? within = null) =>
        http.WaitForAsync(id, t => t.GetProperty("status").GetString() == status, within);

    public static string Status(this JsonElement task) => task.GetProperty("status").GetString()!;

    public static long Done(this JsonElement task) => task.GetProperty("progress").GetProperty("done").GetInt64();

    /// <summary>A client name no other test uses.</summary>
    public static string UniqueClient(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(64, prefix.Length + 33)];

    /// <summary>Sends a request with optional content and headers; returns the status, the parsed body and the media type.</summary>
    public static async Task<ApiResponse> SendRawAsync(
        this HttpClient http, HttpMethod method, string path, HttpContent? content = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        JsonElement body = default;
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                body = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                Assert.Fail($"{method} {path} answered {(int)response.StatusCode} with a body that is not JSON ({mediaType}): {text}");
            }
        }

        return new ApiResponse(response.StatusCode, body, mediaType, response.Headers.Location?.OriginalString);
    }

    /// <summary>POSTs raw text with the given Content-Type (none when null).</summary>
    public static Task<ApiResponse> PostTextAsync(
        this HttpClient http, string path, string text, string? contentType = "application/json", string? idempotencyKey = null)
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        return http.SendRawAsync(HttpMethod.Post, path, content, idempotencyKey);
    }

    /// <summary>PUTs raw JSON text.</summary>
    public static Task<ApiResponse> PutTextAsync(this HttpClient http, string path, string text, string contentType = "application/json")
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        return http.SendRawAsync(HttpMethod.Put, path, content);
    }

    /// <summary>POSTs a task of <paramref name="type"/> with the given parameters for <paramref name="client"/>.</summary>
    public static Task<ApiResponse> PostTaskAsync(this HttpClient http, string type, string parametersJson, string client, string? idempotencyKey = null) =>
        http.PostTextAsync("/tasks", $$"""{"type":"{{type}}","params":{{parametersJson}},"client":"{{client}}"}""", idempotencyKey: idempotencyKey);

    /// <summary>Sends a lifecycle command (pause, resume, cancel) to a task.</summary>
    public static Task<ApiResponse> CommandAsync(this HttpClient http, string id, string command) =>
        http.SendRawAsync(HttpMethod.Post, $"/tasks/{id}/{command}");

    /// <summary>Submits a <c>count</c> task and returns its id.</summary>
    public static Task<string> SubmitCountAsync(this HttpClient http, string client, long to, int delayMs) =>
        http.SubmitAsync("count", $$"""{"to":{{to}},"delay_ms":{{delayMs}}}""", client);

    /// <summary>Cancels a task if it has not ended (clean-up after a test that leaves long tasks running).</summary>
    public static async Task CancelQuietlyAsync(this HttpClient http, string? id)
    {
        if (id is not null)
        {
            _ = await http.CommandAsync(id, "cancel");
        }
    }

    /// <summary>Asserts a problem-details answer: its status, media type, title and detail, and optionally what it names.</summary>
    public static void AssertProblem(this ApiResponse response, HttpStatusCode status, string? errorKey = null, string? code = null, string? detailContains = null)
    {
        Assert.True(response.Status == status, $"expected {(int)status}, got {(int)response.Status}: {response.Body}");
        Assert.Equal("application/problem+json", response.MediaType);
        Assert.Equal(JsonValueKind.Object, response.Body.ValueKind);
        Assert.Equal((int)status, response.Body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(response.Body.GetProperty("title").GetString()), $"no title: {response.Body}");
        var detail = response.Body.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail), $"no detail: {response.Body}");
        if (errorKey is not null)
        {
            Assert.True(
                response.Body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object && errors.TryGetProperty(errorKey, out _),
                $"the problem does not name '{errorKey}' in errors: {response.Body}");
        }

        if (code is not null)
        {
            Assert.Equal(code, response.Body.GetProperty("code").GetString());
        }

        if (detailContains is not null)
        {
            Assert.Contains(detailContains, detail, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>Asserts that the silo still answers a good request: a fresh sum2 is accepted and computed.</summary>
    public static async Task AssertStillServesAsync(this HttpClient http)
    {
        var first = Random.Shared.NextInt64(1, 1_000_000_000_000);
        var response = await http.PostTaskAsync("sum2", $$"""{"first":{{first}},"second":1}""", UniqueClient("alive"));
        Assert.True(response.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"a good request afterwards answered {(int)response.Status}: {response.Body}");
        Assert.Equal((first + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), response.Body.GetProperty("result").GetRawText());
    }

    /// <summary>The items of a listing page.</summary>
    public static IReadOnlyList<JsonElement> Items(this JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];

    /// <summary>The ids of a listing page's items, in order.</summary>
    public static IReadOnlyList<string> Ids(this JsonElement page) => [.. page.Items().Select(i => i.GetProperty("id").GetString()!)];

    /// <summary>The cursor of the next page, or null at the end.</summary>
    public static string? Next(this JsonElement page) =>
        page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (string.IsNullOrWhiteSpace(text))
        {
            return default;
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}

/// <summary>An HTTP answer as a test sees it.</summary>
public sealed record ApiResponse(HttpStatusCode Status, JsonElement Body, string? MediaType, string? Location);
