using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tasker.Silo.Tests.Auth;

[Collection(AuthCollection.Name)]
public sealed class AuthenticationTests(AuthApiFixture api)
{
    [Theory]
    [InlineData("/tasks")]
    [InlineData("/tasks/01a22d32e8737679b1822426009200d6")]
    [InlineData("/clients/test/tasks")]
    [InlineData("/processes")]
    [InlineData("/users")]
    [InlineData("/")]
    [InlineData("/dashboard/")]
    [InlineData("/api/v1/task")]
    public async Task A_request_without_credentials_is_a_401_problem_with_WWW_Authenticate(string path)
    {
        using var http = api.CreateClient();
        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var challenges = response.Headers.WwwAuthenticate.Select(h => h.Scheme).ToList();
        Assert.Contains("Basic", challenges);
        Assert.Contains("Bearer", challenges);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unauthenticated", problem.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("Basic", "dGVzdDp3cm9uZw==")] // test:wrong
    [InlineData("Basic", "bm9ib2R5OnRlc3Q=")] // nobody:test
    [InlineData("Basic", "not base64!")]
    [InlineData("Basic", "bm9jb2xvbg==")] // "nocolon"
    [InlineData("Bearer", "tsk_000000000000_wrong")]
    [InlineData("Digest", "abc")]
    public async Task Wrong_or_unreadable_credentials_are_a_401(string scheme, string parameter)
    {
        using var http = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tasks");
        request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {parameter}");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid-credentials", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Health_metrics_and_the_API_description_need_no_credentials()
    {
        using var http = api.CreateClient();
        foreach (var path in new[] { "/health/live", "/health/ready", "/metrics", "/openapi/v1.json" })
        {
            using var response = await http.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_configured_admin_signs_in_with_its_password_and_with_its_configured_key()
    {
        using var basic = api.Admin();
        Assert.Equal(HttpStatusCode.OK, (await basic.GetJsonAsync("/users")).Status);

        using var key = api.WithKey(AuthApiFixture.AdminApiKey);
        Assert.Equal(HttpStatusCode.OK, (await key.GetJsonAsync("/users")).Status);
    }

    [Fact]
    public async Task A_new_key_works_as_Bearer_and_as_X_Api_Key_until_it_is_revoked()
    {
        var (name, _) = await api.NewUserAsync("keys");
        using var admin = api.Admin();
        var (status, made) = await admin.PostJsonAsync($"/users/{name}/keys", """{"label":"ci"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var key = made.GetProperty("key").GetString()!;
        var keyId = made.GetProperty("id").GetString()!;

        using var bearer = api.WithKey(key);
        var (submitted, task) = await bearer.PostJsonAsync("/tasks", """{"type":"sum2","params":{"first":2,"second":40}}""");
        Assert.True(submitted is HttpStatusCode.Accepted or HttpStatusCode.OK, task.ToString());
        Assert.Equal(name, task.GetProperty("client").GetString());

        using var header = api.CreateClient();
        header.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await header.GetJsonAsync("/tasks")).Status);

        // The key is never shown again, and only its id is listed.
        var (_, user) = await admin.GetJsonAsync($"/users/{name}");
        Assert.DoesNotContain(key, user.ToString(), StringComparison.Ordinal);
        Assert.Equal(keyId, user.GetProperty("keys")[0].GetProperty("id").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/users/{name}/keys/{keyId}")).Status);
        await Task.Delay(400); // The verification cache (300 ms here) forgets the key.
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetJsonAsync("/tasks")).Status);
    }

    [Fact]
    public async Task A_changed_password_replaces_the_old_one_and_a_deleted_user_cannot_sign_in()
    {
        var (name, password) = await api.NewUserAsync("pw");
        using var old = api.As(name, password);
        Assert.Equal(HttpStatusCode.OK, (await old.GetJsonAsync("/tasks")).Status);

        using var admin = api.Admin();
        using (var put = await admin.PutAsJsonAsync($"/users/{name}", new { password = "another-password" }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await Task.Delay(400);
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetJsonAsync("/tasks")).Status);
        using var renewed = api.As(name, "another-password");
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetJsonAsync("/tasks")).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/users/{name}")).Status);
        await Task.Delay(400);
        Assert.Equal(HttpStatusCode.Unauthorized, (await renewed.GetJsonAsync("/tasks")).Status);
    }

    [Theory]
    [InlineData("GET", "/users")]
    [InlineData("GET", "/users/test")]
    [InlineData("PUT", "/users/someone")]
    [InlineData("DELETE", "/users/user1")]
    [InlineData("POST", "/users/test/keys")]
    [InlineData("DELETE", "/users/test/keys/0123456789ab")]
    [InlineData("PUT", "/processes/sum2")]
    [InlineData("GET", "/dashboard/")]
    public async Task A_user_who_is_not_an_admin_gets_a_403_on_admin_routes(string method, string path)
    {
        using var http = api.As("test", "test");
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "PUT" or "POST")
        {
            request.Content = JsonContent.Create(new { status = "suspended", tier = "paid" });
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("forbidden", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_admin_demo_user_manages_processes_and_sees_the_dashboard()
    {
        using var http = api.As("flashnot", "zxc");
        using (var dashboard = await http.GetAsync("/dashboard/"))
        {
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        }

        using var put = await http.PutAsJsonAsync("/processes/mult3", new { status = "active" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    [Fact]
    public async Task Over_its_tiers_rate_a_user_gets_a_429_problem_with_Retry_After()
    {
        var (name, password) = await api.NewUserAsync("rate", "trickle");
        using var http = api.As(name, password);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await http.GetAsync("/tasks");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After");
            var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("rate-limited", problem.GetProperty("code").GetString());
        }

        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 3, string.Join(",", statuses));
    }
}
