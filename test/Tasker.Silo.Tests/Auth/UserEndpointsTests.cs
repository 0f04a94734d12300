using System.Net;
using System.Text.Json;

namespace Tasker.Silo.Tests.Auth;

[Collection(AuthCollection.Name)]
public sealed class UserEndpointsTests(AuthApiFixture api)
{
    [Fact]
    public async Task An_admin_creates_reads_lists_updates_and_deletes_a_user()
    {
        using var admin = api.Admin();
        var name = $"crud-{Guid.NewGuid():N}"[..20];

        var (created, user) = await admin.PutAsync($"/users/{name}", """{"tier":"paid","roles":["shell"],"password":"a-good-password"}""");
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("paid", user.GetProperty("tier").GetString());
        Assert.Equal(["shell"], user.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.True(user.GetProperty("hasPassword").GetBoolean());
        Assert.False(user.TryGetProperty("passwordHash", out _));

        var (updated, again) = await admin.PutAsync($"/users/{name}", """{"tier":"free"}""");
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.Equal("free", again.GetProperty("tier").GetString());
        Assert.Equal(["shell"], again.GetProperty("roles").EnumerateArray().Select(r => r.GetString())); // Kept.

        var (listed, all) = await admin.GetJsonAsync("/users");
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Contains(all.EnumerateArray(), u => u.GetProperty("name").GetString() == name);
        Assert.DoesNotContain("AQAAAA", all.ToString(), StringComparison.Ordinal); // No Identity hash anywhere.

        Assert.Equal(HttpStatusCode.OK, (await admin.GetJsonAsync($"/users/{name}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/users/{name}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetJsonAsync($"/users/{name}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendAsync(HttpMethod.Delete, $"/users/{name}")).Status);
        var (_, after) = await admin.GetJsonAsync("/users");
        Assert.DoesNotContain(after.EnumerateArray(), u => u.GetProperty("name").GetString() == name);
    }

    [Theory]
    [InlineData("/users/bad name!", """{"tier":"free"}""", "name")]
    [InlineData("/users/ok-name", """{"tier":"gold"}""", "tier")]
    [InlineData("/users/ok-name", """{"tier":7}""", "tier")]
    [InlineData("/users/ok-name", """{"roles":["root"]}""", "roles")]
    [InlineData("/users/ok-name", """{"roles":"admin"}""", "roles")]
    [InlineData("/users/ok-name", """{"roles":[1]}""", "roles")]
    [InlineData("/users/ok-name", """{"password":"short"}""", "password")]
    [InlineData("/users/ok-name", """{"password":12345678}""", "password")]
    [InlineData("/users/ok-name", """{"colour":"blue"}""", "colour")]
    public async Task A_bad_user_is_a_400_naming_the_field(string path, string body, string field)
    {
        using var admin = api.Admin();
        var (status, problem) = await admin.PutAsync(path, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task A_user_body_that_is_not_a_JSON_object_is_a_4xx_problem()
    {
        using var admin = api.Admin();
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsync("/users/ok-name", "{not json")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsync("/users/ok-name", "[1]")).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await admin.PutAsync("/users/ok-name", "tier=free", "text/plain")).Status);
    }

    [Fact]
    public async Task Bad_key_requests_are_4xx_problems_naming_the_field()
    {
        var (name, _) = await api.NewUserAsync("badkey");
        using var admin = api.Admin();

        var (status, problem) = await admin.PostJsonAsync($"/users/{name}/keys", $$"""{"label":"{{new string('x', 101)}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("label", out _));

        (status, problem) = await admin.PostJsonAsync($"/users/{name}/keys", """{"name":"x"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));

        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostJsonAsync("/users/no-such-user/keys", "{}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendAsync(HttpMethod.Delete, $"/users/{name}/keys/not-a-key-id")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendAsync(HttpMethod.Delete, $"/users/{name}/keys/0123456789ab")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendAsync(HttpMethod.Delete, "/users/no-such-user/keys/0123456789ab")).Status);
    }

    [Fact]
    public async Task A_user_holds_at_most_twenty_keys()
    {
        var (name, _) = await api.NewUserAsync("manykeys");
        using var admin = api.Admin();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync($"/users/{name}/keys", "{}")).Status);
        }

        var (status, problem) = await admin.PostJsonAsync($"/users/{name}/keys", "{}");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("too-many-keys", problem.GetProperty("code").GetString());
    }
}

internal static class PutExtensions
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(this HttpClient http, string path, string json, string contentType = "application/json")
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await http.PutAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
