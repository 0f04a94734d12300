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

    private static HttpClient WithKey(SiloProcess silo, string key)
    {
        var http = new HttpClient { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(40) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
