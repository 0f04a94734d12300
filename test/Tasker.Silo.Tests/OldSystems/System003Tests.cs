using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;

namespace Tasker.Silo.Tests.OldSystems;

/// <summary>
/// An embedded silo as 003's README is run against: authentication off elsewhere, 003's demo users on, and the origin
/// of 003's jQuery example allowed (CORS is opt-in: <c>Tasker__Auth__CorsOrigins__0</c>).
/// </summary>
public sealed class System003Fixture : WebApplicationFactory<Program>
{
    public const string BrowserOrigin = "http://other.example";

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo().UseSetting("Tasker:Auth:DemoUsers", "true").UseSetting("Tasker:Auth:CorsOrigins:0", BrowserOrigin);

    public HttpClient As(string user, string password)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http;
    }
}

/// <summary>The requests of 003's README, as written there (host aside).</summary>
public sealed class System003Tests(System003Fixture api) : IClassFixture<System003Fixture>
{
    [Fact]
    public async Task Curl_input_param_creates_one_input_task_for_the_signed_in_user()
    {
        // curl -X POST http://yourhost/api/v1/task/ -d "input_param=qwerty" -u test:test
        using var http = api.As("test", "test");
        using var response = await http.PostAsync("/api/v1/task/", Form("input_param=qwerty"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var task = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("input", task.GetProperty("type").GetString());
        Assert.Equal("test", task.GetProperty("client").GetString());
        Assert.Equal("qwerty", task.GetProperty("params").GetProperty("input_param").GetString());
    }

    [Fact]
    public async Task Curl_input_param_array_creates_one_task_per_value_and_each_is_readable_by_its_owner_only()
    {
        // curl -X POST http://yourhost/api/v1/task/ -d "input_param[]=asd&input_param[]=zxc&input_param[]=123" -u test:test
        using var http = api.As("test", "test");
        using var response = await http.PostAsync("/api/v1/task/", Form("input_param[]=asd&input_param[]=zxc&input_param[]=123"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var tasks = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.Equal(["asd", "zxc", "123"], tasks.Select(t => t.GetProperty("params").GetProperty("input_param").GetString()));

        var (listed, mine) = await http.GetJsonAsync("/api/v1/task");
        Assert.Equal(HttpStatusCode.OK, listed);
        var ids = mine.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()).ToList();
        using var other = api.As("user1", "user1");
        foreach (var id in tasks.Select(t => t.GetProperty("id").GetString()!))
        {
            Assert.Contains(id, ids);
            Assert.Equal(HttpStatusCode.OK, (await http.GetJsonAsync($"/api/v1/task/{id}")).Status);
            var (status, view) = await http.GetJsonAsync($"/api/v1/task/{id}/status");
            Assert.Equal("succeeded", view.GetProperty("status").GetString());
            var (resultStatus, result) = await http.GetJsonAsync($"/api/v1/task/{id}/result");
            Assert.Equal(HttpStatusCode.OK, resultStatus);
            Assert.Equal(3, result.GetProperty("result").GetProperty("length").GetInt32());

            Assert.Equal(HttpStatusCode.NotFound, (await other.GetJsonAsync($"/api/v1/task/{id}")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetJsonAsync($"/api/v1/task/{id}/result")).Status);
        }

        var (_, theirs) = await other.GetJsonAsync("/api/v1/task");
        Assert.All(theirs.GetProperty("items").EnumerateArray(), t => Assert.Equal("user1", t.GetProperty("client").GetString()));
    }

    [Theory]
    [InlineData("/api/v1/task/", "POST")]
    [InlineData("/api/v1/task", "GET")]
    [InlineData("/api/v1/task/01a22d32e8737679b1822426009200d6", "GET")]
    public async Task Basic_auth_is_required_even_with_authentication_off(string path, string method)
    {
        using var http = api.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? Form("input_param=x") : null };
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
    }

    [Theory]
    [InlineData("", "input_param")]
    [InlineData("other=1", "input_param")]
    public async Task A_form_without_input_param_is_a_400_naming_it(string form, string field)
    {
        using var http = api.As("test", "test");
        using var response = await http.PostAsync("/api/v1/task/", Form(form));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task A_body_that_is_not_a_form_is_a_400_naming_input_param()
    {
        using var http = api.As("test", "test");
        using var response = await http.PostAsJsonAsync("/api/v1/task/", new { input_param = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("input_param", out _));
    }

    [Fact]
    public async Task A_too_long_value_in_an_array_is_a_400_naming_its_index()
    {
        using var http = api.As("test", "test");
        using var response = await http.PostAsync("/api/v1/task/", Form($"input_param[]=ok&input_param[]={new string('x', 10_001)}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("input_param[1]", out _), problem.ToString());
    }

    [Fact]
    public async Task The_jQuery_example_from_a_configured_origin_passes_the_CORS_preflight_and_reads_the_answer()
    {
        using var http = api.CreateClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/task/");
        preflight.Headers.Add("Origin", System003Fixture.BrowserOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var allowed = await http.SendAsync(preflight);

        Assert.True(allowed.IsSuccessStatusCode, $"preflight: {(int)allowed.StatusCode}");
        Assert.Contains("Authorization", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);

        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/task/") { Content = Form("input_param=ZZZ") };
        post.Headers.Add("Origin", System003Fixture.BrowserOrigin);
        post.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("test:test")));
        using var answer = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        Assert.Equal(System003Fixture.BrowserOrigin, answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    private static FormUrlEncodedContent Form(string body) =>
        new(body.Length == 0 ? [] : body.Split('&').Select(pair => pair.Split('=', 2)).Select(kv => new KeyValuePair<string, string>(kv[0], kv[1])));
}
