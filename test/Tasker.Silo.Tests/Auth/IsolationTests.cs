using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests.Auth;

/// <summary>
/// Several users call every task route at random with their own and each other's ids (children of sequences, export
/// files, events, long-poll, listings with every filter): no call may show or change another user's task.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class IsolationTests(AuthApiFixture api)
{
    private sealed record Owned(string Id, string Owner, bool Finished);

    [Fact]
    public async Task Random_calls_over_every_task_route_leak_nothing_between_users()
    {
        var users = new List<(string Name, HttpClient Http)>();
        for (var i = 0; i < 3; i++)
        {
            var (name, password) = await api.NewUserAsync($"iso{i}", "paid");
            users.Add((name, api.As(name, password)));
        }

        var tasks = new List<Owned>();
        foreach (var (name, http) in users)
        {
            tasks.Add(new Owned(await SubmitAsync(http, """{"type":"sum2","params":{"first":1,"second":2}}"""), name, true));
            tasks.Add(new Owned(await SubmitAsync(http, $$$"""{"type":"input","params":{"input_param":"{{{name}}}"}}"""), name, true));
            // A sequence of its own length per user: a cache hit would have no children.
            var sequence = await SubmitAsync(http, $$$"""{"type":"sequence","params":{"n":{{{200 + tasks.Count}}}}}""");
            var export = await SubmitAsync(http, """{"type":"csv-export","params":{"from":"2010-01-01","till":"2010-12-31"}}""");
            var count = await SubmitAsync(http, """{"type":"count","params":{"to":100000,"delay_ms":50}}""");
            await http.WaitForStatusAsync(sequence, "succeeded");
            await http.WaitForStatusAsync(export, "succeeded");
            tasks.Add(new Owned(sequence, name, true));
            tasks.Add(new Owned($"{sequence}.1", name, true));
            tasks.Add(new Owned($"{sequence}.200", name, true));
            tasks.Add(new Owned(export, name, true));
            tasks.Add(new Owned(count, name, false));
        }

        var random = new Random(2026);
        var calls = 0;
        for (var i = 0; i < 400; i++)
        {
            var (caller, http) = users[random.Next(users.Count)];
            var target = tasks[random.Next(tasks.Count)];
            var mine = target.Owner == caller;
            calls++;
            switch (random.Next(mine ? 7 : 12))
            {
                case 0: await ReadAsync(http, $"/tasks/{target.Id}", target, mine); break;
                case 1: await ReadAsync(http, $"/tasks/{target.Id}/status", target, mine); break;
                case 2: await ReadAsync(http, $"/tasks/{target.Id}/result", target, mine); break;
                case 3: await ReadAsync(http, $"/tasks/{target.Id}?after=0&timeout=0.2", target, mine); break;
                case 4: await ReadAsync(http, $"/api/v1/task/{target.Id}", target, mine); break;
                case 5: await ListAsync(http, caller, users.Select(u => u.Name).ToList(), random); break;
                case 6: await ReadAsync(http, $"/tasks/{target.Id}/file", target, mine); break;
                case 7: await ReadAsync(http, $"/tasks/{target.Id}/events", target, mine); break;
                case 8: await CommandAsync(http, HttpMethod.Post, $"/tasks/{target.Id}/pause", target); break;
                case 9: await CommandAsync(http, HttpMethod.Post, $"/tasks/{target.Id}/resume", target); break;
                case 10: await CommandAsync(http, HttpMethod.Post, $"/tasks/{target.Id}/cancel", target); break;
                default: await CommandAsync(http, HttpMethod.Delete, $"/tasks/{target.Id}", target); break;
            }
        }

        // Nothing another user tried changed anything: every long count still runs, every task is still there.
        foreach (var task in tasks)
        {
            var owner = users.First(u => u.Name == task.Owner).Http;
            var (status, body) = await owner.GetJsonAsync($"/tasks/{task.Id}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(task.Finished ? "succeeded" : "running", body.Status());
        }

        Assert.Equal(400, calls);
        foreach (var (_, http) in users)
        {
            http.Dispose();
        }
    }

    private static async Task<string> SubmitAsync(HttpClient http, string body)
    {
        var (status, task) = await http.PostJsonAsync("/tasks", body);
        Assert.True(status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{(int)status} {task}");
        return task.GetProperty("id").GetString()!;
    }

    private static async Task ReadAsync(HttpClient http, string path, Owned target, bool mine)
    {
        if (mine && !target.Finished && path.EndsWith("/events", StringComparison.Ordinal))
        {
            return; // Its own running task's stream would last until it ends.
        }

        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        if (mine)
        {
            Assert.True(response.StatusCode != HttpStatusCode.NotFound || path.EndsWith("/file", StringComparison.Ordinal),
                $"own task {target.Id}: GET {path} answered 404");
            return;
        }

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"leak: GET {path} of {target.Owner}'s task answered {(int)response.StatusCode}: {text}");
        Assert.DoesNotContain(target.Owner, text, StringComparison.Ordinal);
    }

    private static async Task CommandAsync(HttpClient http, HttpMethod method, string path, Owned target)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"leak: {method} {path} of {target.Owner}'s task answered {(int)response.StatusCode}: {text}");
        Assert.DoesNotContain(target.Owner, text, StringComparison.Ordinal);
    }

    private static async Task ListAsync(HttpClient http, string caller, List<string> users, Random random)
    {
        var other = users[random.Next(users.Count)];
        string[] paths =
        [
            "/tasks", "/tasks?type=sum2", "/tasks?status=running", "/tasks?limit=2", $"/tasks?client={other}",
            $"/tasks?client={other}&type=sequence&status=succeeded", $"/clients/{other}/tasks", $"/clients/{other}/tasks?type=input",
            "/api/v1/task",
        ];
        var path = paths[random.Next(paths.Length)];
        var (status, body) = await http.GetJsonAsync(path);
        if (status != HttpStatusCode.OK)
        {
            Assert.True(status == HttpStatusCode.BadRequest && other != caller, $"GET {path} as {caller} answered {(int)status}: {body}");
            Assert.True(body.GetProperty("errors").TryGetProperty("client", out _));
            return;
        }

        foreach (var item in body.GetProperty("items").EnumerateArray())
        {
            Assert.True(item.GetProperty("client").GetString() == caller, $"leak: GET {path} as {caller} listed {item}");
        }
    }
}
