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
