using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tasker.Cluster.Tests;

/// <summary>Authentication in cluster mode, where it is on by default, against real Redis and PostgreSQL.</summary>
[Collection(ServersCollection.Name)]
public sealed class ClusterAuthTests(ClusterServers servers)
{
    [Fact]
    public async Task A_cluster_silo_refuses_anonymous_requests_and_a_users_key_reaches_only_its_own_tasks()
    {
        await using var silo = new SiloProcess(servers, "t" + Guid.NewGuid().ToString("N")[..12]);
        await silo.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = silo.Http.BaseAddress };

        using (var refused = await anonymous.GetAsync("/tasks"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.NotEmpty(refused.Headers.WwwAuthenticate);
        }

        var keys = new Dictionary<string, string>();
        foreach (var user in new[] { "alice", "bob" })
        {
            using var put = await silo.Http.PutAsJsonAsync($"/users/{user}", new { tier = "paid" });
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            using var made = await silo.Http.PostAsJsonAsync($"/users/{user}/keys", new { label = "test" });
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
            keys[user] = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        }

        using var alice = WithKey(silo, keys["alice"]);
        using var bob = WithKey(silo, keys["bob"]);
        using var submitted = await alice.PostAsJsonAsync("/tasks", new { type = "count", @params = new { to = 5, delay_ms = 10 } });
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var task = await submitted.Content.ReadFromJsonAsync<JsonElement>();
        var id = task.GetProperty("id").GetString()!;
        Assert.Equal("alice", task.GetProperty("client").GetString());

        foreach (var path in new[] { $"/tasks/{id}", $"/tasks/{id}/status", $"/tasks/{id}/result" })
        {
            using var theirs = await bob.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        }

        using (var cancel = await bob.PostAsync($"/tasks/{id}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        }

        using var own = await alice.GetAsync($"/tasks/{id}");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var listing = await bob.GetFromJsonAsync<JsonElement>("/tasks");
        Assert.DoesNotContain(listing.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task Kill_9_of_the_silo_running_a_free_users_task_does_not_leave_the_user_blocked()
    {
        var clusterId = "t" + Guid.NewGuid().ToString("N")[..12];
        await using var doomed = new SiloProcess(servers, clusterId);
        await using var survivor = new SiloProcess(servers, clusterId);
        await doomed.StartAsync();
        await survivor.StartAsync();
        using (var put = await doomed.Http.PutAsJsonAsync("/users/slow", new { tier = "free", password = "slow-password" }))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        using var viaDoomed = AsUser(doomed, "slow", "slow-password");
        using var viaSurvivor = AsUser(survivor, "slow", "slow-password");
        var first = await SubmitAsync(viaDoomed, """{"type":"count","params":{"to":200,"delay_ms":50}}""");
        var second = await SubmitAsync(viaDoomed, """{"type":"count","params":{"to":20,"delay_ms":10}}""");
        Assert.Equal("running", first.GetProperty("status").GetString());
        Assert.Equal("queued", second.GetProperty("status").GetString());

        await Task.Delay(1000);
        await doomed.KillAsync();

        // The first goes on elsewhere from its checkpoint and ends; then the second gets the slot and runs.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        JsonElement a = default, b = default;
        while (DateTime.UtcNow < deadline)
        {
            a = await GetAsync(viaSurvivor, first.GetProperty("id").GetString()!);
            b = await GetAsync(viaSurvivor, second.GetProperty("id").GetString()!);
            if (b.ValueKind == JsonValueKind.Object && b.GetProperty("status").GetString() == "succeeded")
            {
                break;
            }

            await Task.Delay(500);
        }

        // The survivor's log says why when either did not end (the takeover is the part that can go wrong).
        Assert.True(a.GetProperty("status").GetString() == "succeeded", $"first: {a}\nsecond: {b}\nsurvivor's log:\n{survivor.Log}");
        Assert.True(b.GetProperty("status").GetString() == "succeeded", $"first: {a}\nsecond: {b}\nsurvivor's log:\n{survivor.Log}");
        Assert.True(b.GetProperty("startedAt").GetDateTimeOffset() >= a.GetProperty("finishedAt").GetDateTimeOffset(), "the two ran at once");
    }

    private static async Task<JsonElement> SubmitAsync(HttpClient http, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/tasks", content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string id)
    {
        try
        {
            using var response = await http.GetAsync($"/tasks/{id}");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
        }
        catch (HttpRequestException)
        {
            return default; // The survivor is busy taking over.
        }
        catch (TaskCanceledException)
        {
            return default;
        }
    }

    private static HttpClient AsUser(SiloProcess silo, string user, string password)
    {
        var http = new HttpClient { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(40) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http;
    }

    private static HttpClient WithKey(SiloProcess silo, string key)
    {
        var http = new HttpClient { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(40) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
