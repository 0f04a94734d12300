using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;

namespace Tasker.Silo.Tests.OldSystems;

/// <summary>
/// An old-systems silo with system 001 turned off and system 002's requests recorded under a client of the operator's
/// choice (<c>Tasker:OldSystems:{number}:Enabled</c> and <c>:Client</c>).
/// </summary>
public sealed class SwitchedOldSystemsFixture : OldSystemsFixture
{
    public const string Client002 = "legacy-002";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Tasker:OldSystems:001:Enabled", "false").UseSetting("Tasker:OldSystems:002:Client", Client002)
            .UseSetting("Tasker:OldSystems:004:Enabled", "false");
    }
}

/// <summary>What all the old systems share: their switches, their default clients, and their place in the OpenAPI document.</summary>
public sealed class OldSystemsTests(SwitchedOldSystemsFixture fixture) : IClassFixture<SwitchedOldSystemsFixture>
{
    private readonly HttpClient _http = fixture.CreateClient();

    [Fact]
    public async Task A_system_turned_off_serves_none_of_its_routes_and_the_canonical_ones_stay()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _http.SendRawAsync(HttpMethod.Get, "/tasks/download?from=2010-01-01&till=2010-02-01")).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _http.UploadAsync("/tasks/upload", OldRequests.Csv(1))).Status);
        var id = await _http.SubmitCountAsync(ApiTestExtensions.UniqueClient("off"), 1000, 50);
        try
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/pause")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}/stop")).Status);
            Assert.Equal("running", (await _http.GetJsonAsync($"/tasks/{id}")).Body.Status());
            var (status, listing) = await _http.GetJsonAsync("/tasks/");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(id, listing.Ids()[0]);
        }
        finally
        {
            await _http.CancelQuietlyAsync(id);
        }

        var document = await OpenApiAsync();
        Assert.DoesNotContain("001 compatibility", document.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_004_turned_off_its_body_without_a_type_is_refused_as_the_canonical_API_refuses_it()
    {
        var answer = await _http.SendJsonAsync(HttpMethod.Post, "/tasks", """{"command":"echo hello"}""");

        Assert.True(answer.Status == HttpStatusCode.BadRequest, answer.Body.GetRawText());
        Assert.True(answer.Body.GetProperty("errors").TryGetProperty("type", out _), answer.Body.GetRawText());
    }

    [Fact]
    public async Task The_other_systems_still_answer_and_002_uses_the_configured_client()
    {
        var sum = await _http.SendJsonAsync(HttpMethod.Post, "/sum", """{"payload":{"num1":1,"num2":2}}""");
        Assert.Equal(SwitchedOldSystemsFixture.Client002, sum.Body.GetProperty("client").GetString());
        var process = await _http.SendJsonAsync(HttpMethod.Post, "/process", """{"task":"sum2","client_name":"sh","params":{"first":1,"second":2}}""");
        Assert.Equal(HttpStatusCode.OK, process.Status);
    }

    [Fact]
    public async Task Every_old_route_is_in_the_OpenAPI_document_under_its_systems_tag_and_GETs_that_change_things_are_deprecated()
    {
        var all = new OldSystemsFixture();
        await all.InitializeAsync();
        try
        {
            var http = all.CreateClient();
            var (status, document) = await http.GetJsonAsync("/openapi/v1.json");
            Assert.Equal(HttpStatusCode.OK, status);
            var paths = document.GetProperty("paths");
            (string Path, string Method, string Tag)[] routes =
            [
                ("/process", "post", "000"), ("/get_requests_status", "get", "000"), ("/get_processes_status", "get", "000"),
                ("/set_processes_status", "post", "000"),
                ("/tasks/", "get", "001"), ("/tasks/upload", "post", "001"), ("/tasks/download", "get", "001"),
                ("/tasks/{id}/pause", "get", "001"), ("/tasks/{id}/stop", "get", "001"), ("/tasks/{id}/resume", "get", "001"),
                ("/sum", "post", "002"), ("/sequence", "post", "002"), ("/chat", "post", "002"), ("/conversation", "post", "002"),
                ("/task/{id}", "get", "002"), ("/task/{id}", "delete", "002"),
            ];
            foreach (var (path, method, tag) in routes)
            {
                Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method} {path} is not in the document");
                var operation = item.GetProperty(method);
                Assert.Equal([$"{tag} compatibility"], operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!));
                var deprecated = operation.TryGetProperty("deprecated", out var flag) && flag.GetBoolean();
                Assert.Equal(path is "/tasks/download" or "/tasks/{id}/pause" or "/tasks/{id}/stop" or "/tasks/{id}/resume", deprecated);
            }

            // GET /tasks/{id} is the canonical route, which 001 uses as it is: listed under both tags.
            Assert.Equal(["Tasks", "001 compatibility"], paths.GetProperty("/tasks/{id}").GetProperty("get").GetProperty("tags").EnumerateArray().Select(t => t.GetString()!));

            // The canonical listing keeps its own operation beside 001's.
            Assert.Equal(["Tasks"], paths.GetProperty("/tasks").GetProperty("get").GetProperty("tags").EnumerateArray().Select(t => t.GetString()!));
            Assert.Contains(paths.GetProperty("/tasks").GetProperty("get").GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "cursor");
        }
        finally
        {
            await ((IAsyncLifetime)all).DisposeAsync();
        }
    }

    private async Task<JsonElement> OpenApiAsync()
    {
        var (status, document) = await _http.GetJsonAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, status);
        return document;
    }
}
