using System.Net;
using System.Text;
using System.Text.Json;

namespace Tasker.Silo.Tests.Shell;

/// <summary>Every way a shell submission or an agent's call can be wrong is a 4xx problem that names the field, never a 5xx.</summary>
[Collection(ShellCollection.Name)]
public sealed class ShellBadInputTests(ShellApiFixture api)
{
    private readonly HttpClient _http = api.CreateClient();
    private readonly HttpClient _agent = api.Agent("bad-input");

    private static void AssertNames(JsonElement problem, string field)
    {
        Assert.True(problem.TryGetProperty("errors", out var errors), $"no errors in {problem}");
        Assert.True(errors.TryGetProperty(field, out _), $"{field} not named in {problem}");
    }

    [Theory]
    [InlineData("""{"command":""}""", "params.command")]
    [InlineData("""{"command":"   "}""", "params.command")]
    [InlineData("""{"command":42}""", "params.command")]
    [InlineData("""{}""", "params.command")]
    [InlineData("""{"command":"echo a\u0000b"}""", "params.command")]
    [InlineData("""{"command":"echo hi","timeout_s":0}""", "params.timeout_s")]
    [InlineData("""{"command":"echo hi","timeout_s":601}""", "params.timeout_s")]
    [InlineData("""{"command":"echo hi","timeout_s":"60"}""", "params.timeout_s")]
    [InlineData("""{"command":"echo hi","timeout_s":1.5}""", "params.timeout_s")]
    [InlineData("""{"command":"echo hi","cwd":"/"}""", "params.cwd")]
    public async Task A_bad_shell_parameter_is_a_400_naming_it(string parameters, string field)
    {
        var (status, problem) = await _http.PostJsonAsync("/tasks", $$"""{"type":"shell","params":{{parameters}},"client":"bad-shell"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertNames(problem, field);
    }

    [Fact]
    public async Task A_command_over_the_length_limit_is_a_400_naming_it()
    {
        var (status, problem) = await _http.PostJsonAsync("/tasks",
            JsonSerializer.Serialize(new { type = "shell", @params = new { command = new string('x', 101) }, client = "bad-shell" }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertNames(problem, "params.command");
        Assert.Contains("1 to 100 characters", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_004_shape_with_a_bad_command_is_a_400_naming_it()
    {
        var (status, problem) = await _http.PostJsonAsync("/tasks", """{"command":""}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertNames(problem, "params.command");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token-0123456789")]
    [InlineData("Basic dGVzdDp0ZXN0")]
    public async Task Agents_routes_refuse_a_missing_or_wrong_token_with_401(string? authorization)
    {
        var http = api.CreateClient();
        if (authorization is not null)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        var (pick, problem) = await http.GetJsonAsync("/tasks/pick");
        Assert.Equal(HttpStatusCode.Unauthorized, pick);
        Assert.Equal("agent-token-invalid", problem.GetProperty("code").GetString());
        var (finish, _) = await http.PostJsonAsync($"/tasks/{Guid.NewGuid():N}/finish", """{"lease":"x","exitCode":0}""");
        Assert.Equal(HttpStatusCode.Unauthorized, finish);
        var (finishAndPick, _) = await http.PostJsonAsync($"/tasks/{Guid.NewGuid():N}/finish-and-pick", """{"lease":"x","exitCode":0}""");
        Assert.Equal(HttpStatusCode.Unauthorized, finishAndPick);
    }

    [Theory]
    [InlineData("/tasks/pick?wait=31", "wait")]
    [InlineData("/tasks/pick?wait=-1", "wait")]
    [InlineData("/tasks/pick?wait=soon", "wait")]
    [InlineData("/tasks/pick?agent=bad%20name", "agent")]
    [InlineData("/tasks/pick?ahead=maybe", "ahead")]
    [InlineData("/tasks/pick?ahead=true&wait=5", "wait")]
    public async Task A_bad_pick_is_a_400_naming_the_parameter(string path, string field)
    {
        var (status, problem) = await _agent.GetJsonAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertNames(problem, field);
    }

    [Theory]
    [InlineData("""{"exitCode":0}""", "lease")]
    [InlineData("""{"lease":"","exitCode":0}""", "lease")]
    [InlineData("""{"lease":"1-abc"}""", "exitCode")]
    [InlineData("""{"lease":"1-abc","exitCode":"0"}""", "exitCode")]
    [InlineData("""{"lease":"1-abc","exitCode":1e20}""", "exitCode")]
    [InlineData("""{"lease":"1-abc","exitCode":0,"stdout":5}""", "stdout")]
    [InlineData("""{"lease":"1-abc","exitCode":0,"stdoutTruncated":"yes"}""", "stdoutTruncated")]
    [InlineData("""{"lease":"1-abc","exitCode":0,"durationMs":-1}""", "durationMs")]
    [InlineData("""{"lease":"1-abc","exitCode":0,"output":"x"}""", "output")]
    public async Task A_bad_finish_report_is_a_400_naming_the_field(string body, string field)
    {
        foreach (var route in new[] { "finish", "finish-and-pick" })
        {
            var (status, problem) = await _agent.PostJsonAsync($"/tasks/{Guid.NewGuid():N}/{route}", body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            AssertNames(problem, field);
        }
    }

    [Theory]
    [InlineData("agent=bad%20name", "agent")]
    [InlineData("ahead=maybe", "ahead")]
    public async Task A_finish_and_pick_with_a_bad_parameter_is_a_400_naming_it_and_stores_nothing(string query, string field)
    {
        var (_, created) = await _http.PostJsonAsync("/tasks", """{"type":"shell","params":{"command":"echo x"},"client":"bad-shell"}""");
        var id = created.GetProperty("id").GetString()!;
        var (status, problem) = await _agent.PostJsonAsync($"/tasks/{id}/finish-and-pick?{query}", """{"lease":"1-forged","exitCode":0}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertNames(problem, field);
        Assert.Equal("queued", (await _http.GetJsonAsync($"/tasks/{id}")).Body.Status());
        await _http.SendAsync(HttpMethod.Post, $"/tasks/{id}/cancel");
    }

    [Fact]
    public async Task A_finish_for_a_task_never_picked_is_a_409_and_changes_nothing()
    {
        var (_, created) = await _http.PostJsonAsync("/tasks", """{"type":"shell","params":{"command":"echo x"},"client":"bad-shell"}""");
        var id = created.GetProperty("id").GetString()!;
        var (status, problem) = await _agent.PostJsonAsync($"/tasks/{id}/finish", """{"lease":"1-forged","exitCode":0}""");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("stale-lease", problem.GetProperty("code").GetString());
        Assert.Equal("queued", (await _http.GetJsonAsync($"/tasks/{id}")).Body.Status());
        await _http.SendAsync(HttpMethod.Post, $"/tasks/{id}/cancel");
    }

    [Fact]
    public async Task A_finish_of_an_unknown_task_is_a_404()
    {
        var (status, _) = await _agent.PostJsonAsync($"/tasks/{Guid.NewGuid():N}/finish", """{"lease":"1-abc","exitCode":0}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var (heartbeat, _) = await _agent.PostJsonAsync("/tasks/not-an-id/heartbeat", """{"lease":"1-abc"}""");
        Assert.Equal(HttpStatusCode.NotFound, heartbeat);
    }

    [Fact]
    public async Task A_finish_body_of_10_MB_is_a_413()
    {
        using var content = new StringContent($$"""{"lease":"1-abc","exitCode":0,"stdout":"{{new string('x', 10 * 1024 * 1024)}}"}""", Encoding.UTF8, "application/json");
        using var response = await _agent.PostAsync($"/tasks/{Guid.NewGuid():N}/finish", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("body-too-large", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>With the defaults (shell off, no agent token), shell tasks and the agents' routes are refused, saying how to enable them.</summary>
[Collection(ApiCollection.Name)]
public sealed class ShellDisabledTests(TaskerApiFixture api)
{
    private readonly HttpClient _http = api.CreateClient();

    [Fact]
    public async Task A_shell_task_is_a_403_saying_how_to_enable_shell_tasks()
    {
        var (status, problem) = await _http.PostJsonAsync("/tasks", """{"type":"shell","params":{"command":"echo hi"},"client":"off"}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("shell-disabled", problem.GetProperty("code").GetString());
        Assert.Contains("Tasker__Shell__Enabled=true", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var (old, _) = await _http.PostJsonAsync("/tasks", """{"command":"echo hello"}""");
        Assert.Equal(HttpStatusCode.Forbidden, old);
    }

    [Fact]
    public async Task The_agents_routes_are_503_when_no_agent_token_is_configured()
    {
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer anything-at-all-12345");
        var (status, problem) = await _http.GetJsonAsync("/tasks/pick");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("agents-not-configured", problem.GetProperty("code").GetString());
        Assert.Contains("Tasker__Agents__Token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
