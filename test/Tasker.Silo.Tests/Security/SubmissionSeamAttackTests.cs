using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Tasker.Files;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Security;

/// <summary>
/// The attacks on the submission seam (docs/security.md): each test sends what an attacker sent through one of the ways
/// in, and asserts that it is refused and that nothing was queued, stored or left behind. Authentication on, shell tasks
/// enabled, an agent token, a tier of 3 requests a second and one capped at low priority.
/// </summary>
public sealed class SubmissionSeamAttackTests(SubmissionSeamAttackTests.Fixture fixture) : IClassFixture<SubmissionSeamAttackTests.Fixture>
{
    public static TheoryData<string, string, string> ShellDoors => new()
    {
        // 000's /process: the door the review found open.
        { "/process", """{"task":"shell","client_name":"{me}","params":{"command":"echo ran-as-$(id -un)"}}""", "shell-role-required" },
        { "/tasks", """{"type":"shell","params":{"command":"echo ran-as-$(id -un)"}}""", "shell-role-required" },
        // 004's body names its own client (004), which is not the user's.
        { "/tasks", """{"command":"echo ran-as-$(id -un)"}""", "invalid-request" },
    };

    [Theory]
    [MemberData(nameof(ShellDoors))]
    public async Task A_user_without_the_shell_role_cannot_queue_a_shell_task_through_any_door(string path, string body, string code)
    {
        var (name, password) = await fixture.NewUserAsync("noshell");
        using var user = fixture.As(name, password);

        var (status, answer) = await user.PostJsonAsync(path, body.Replace("{me}", name, StringComparison.Ordinal));

        Assert.True((int)status is 400 or 403, $"{path} answered {(int)status}: {answer}");
        Assert.Equal(code, answer.GetProperty("code").GetString());
        await AssertNoShellTaskIsQueuedAsync();
    }

    [Fact]
    public async Task A_user_without_the_shell_role_cannot_queue_a_shell_task_in_a_batch()
    {
        var (name, password) = await fixture.NewUserAsync("noshellbatch");
        using var user = fixture.As(name, password);

        var (status, answer) = await user.PostJsonAsync("/tasks/batch",
            """[{"type":"sum2","params":{"first":1,"second":2}},{"type":"shell","params":{"command":"echo ran-as-$(id -un)"}}]""");

        Assert.Equal(HttpStatusCode.OK, status);
        var refused = answer.GetProperty("results")[1];
        Assert.Equal(403, refused.GetProperty("status").GetInt32());
        Assert.Equal("shell-role-required", refused.GetProperty("problem").GetProperty("code").GetString());
        await AssertNoShellTaskIsQueuedAsync();
    }

    [Fact]
    public async Task A_user_who_is_not_an_admin_cannot_set_process_status_through_000()
    {
        var (name, password) = await fixture.NewUserAsync("nostatus");
        using var user = fixture.As(name, password);

        var (status, _) = await user.PostJsonAsync("/set_processes_status", """{"mult3":"suspended","sum2":"suspended"}""");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        using var admin = fixture.Admin();
        var (_, processes) = await admin.GetJsonAsync("/get_processes_status");
        Assert.Equal("active", processes.GetProperty("processes").GetProperty("mult3").GetString());
        Assert.Equal("active", processes.GetProperty("processes").GetProperty("sum2").GetString());
    }

    [Fact]
    public async Task Several_types_in_one_000_status_request_change_together_or_not_at_all()
    {
        using var admin = fixture.Admin();

        var (refused, _) = await admin.PostJsonAsync("/set_processes_status", """{"surprise":"suspended","no-such-type":"suspended"}""");
        var (_, untouched) = await admin.GetJsonAsync("/processes/surprise");
        var (set, _) = await admin.PostJsonAsync("/set_processes_status", """{"surprise":"suspended","mult3":"suspended"}""");
        var (_, surprise) = await admin.GetJsonAsync("/processes/surprise");
        var (_, mult3) = await admin.GetJsonAsync("/processes/mult3");
        await admin.PostJsonAsync("/set_processes_status", """{"surprise":"active","mult3":"active"}""");

        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Equal("active", untouched.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, set);
        Assert.Equal("suspended", surprise.GetProperty("status").GetString());
        Assert.Equal("suspended", mult3.GetProperty("status").GetString());
        Assert.Equal(surprise.GetProperty("since").GetString(), mult3.GetProperty("since").GetString()); // One write for both.
    }

    [Fact]
    public async Task A_003_form_of_many_values_costs_one_rate_permit_per_task_and_creates_none_when_refused()
    {
        var (name, password) = await fixture.NewUserAsync("trickle003", tier: "trickle");
        using var user = fixture.As(name, password);
        var values = Enumerable.Range(0, 10).Select(i => new KeyValuePair<string, string>("input_param[]", $"v{i}-{Guid.NewGuid():N}"));

        using var response = await user.PostAsync("/api/v1/task/", new FormUrlEncodedContent(values));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // The tier's bucket refills: the listing itself is allowed.
        var (_, page) = await user.GetJsonAsync("/tasks");
        Assert.Equal(0, page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_003_form_meets_the_tiers_priority_cap()
    {
        var (name, password) = await fixture.NewUserAsync("low003", tier: "lowonly");
        using var user = fixture.As(name, password);

        using var response = await user.PostAsync("/api/v1/task/", new FormUrlEncodedContent([new("input_param", "qwerty")]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("priority", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agents_list_with_every_users_running_commands_is_for_admins_only()
    {
        var (name, password) = await fixture.NewUserAsync("agentspy");
        using var user = fixture.As(name, password);
        using var admin = fixture.Admin();

        var (asUser, _) = await user.GetJsonAsync("/agents");
        var (asAdmin, _) = await admin.GetJsonAsync("/agents");

        Assert.Equal(HttpStatusCode.Forbidden, asUser);
        Assert.Equal(HttpStatusCode.OK, asAdmin);
    }

    [Fact]
    public async Task The_task_grain_refuses_a_shell_task_for_a_caller_without_the_shell_role_and_another_users_client()
    {
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        var shell = new TaskSubmission("shell", """{"command":"id","timeout_s":60}""", "mallory", TaskPriority.Normal);
        var id = TaskIds.New();
        var other = TaskIds.New();

        Caller.Set(new Caller("mallory", IsAdmin: false, MayRunCommands: false));
        try
        {
            await Assert.ThrowsAsync<SubmissionRefusedException>(() => grains.GetGrain<ITaskGrain>(id).SubmitAsync(shell));
            await Assert.ThrowsAsync<SubmissionRefusedException>(() =>
                grains.GetGrain<ITaskGrain>(other).SubmitAsync(new TaskSubmission("count", """{"to":5}""", "alice", TaskPriority.Normal)));
        }
        finally
        {
            Caller.Set(null);
        }

        Assert.Null(await grains.GetGrain<ITaskGrain>(id).GetAsync());
        Assert.Null(await grains.GetGrain<ITaskGrain>(other).GetAsync());
        await AssertNoShellTaskIsQueuedAsync();
    }

    public static TheoryData<string> RefusedUploads => new() { "bad-parameter", "suspended-type", "reused-key" };

    [Theory]
    [MemberData(nameof(RefusedUploads))]
    public async Task A_refused_upload_leaves_no_file_on_disk(string refusal)
    {
        using var admin = fixture.Admin();
        var csv = $"name,email,city,date,amount\nx-{Guid.NewGuid():N},x@example.com,Oslo,2020-01-01,1\n";
        var key = $"upload-{Guid.NewGuid():N}";
        if (refusal == "reused-key")
        {
            using var first = Upload($"name,email,city,date,amount\nfirst-{Guid.NewGuid():N},y@example.com,Oslo,2020-01-01,1\n");
            var accepted = await admin.SendRawAsync(HttpMethod.Post, "/tasks", first, key);
            Assert.Equal(HttpStatusCode.Accepted, accepted.Status);
        }

        if (refusal == "suspended-type")
        {
            await admin.PutAsJsonAsync("/processes/csv-import", new { status = "suspended" });
        }

        ApiResponse answer;
        try
        {
            using var form = Upload(csv, maxBadRows: refusal == "bad-parameter" ? "-1" : null);
            answer = await admin.SendRawAsync(HttpMethod.Post, "/tasks", form, refusal == "reused-key" ? key : null);
        }
        finally
        {
            await admin.PutAsJsonAsync("/processes/csv-import", new { status = "active" });
        }

        Assert.Equal(refusal == "bad-parameter" ? HttpStatusCode.BadRequest : HttpStatusCode.Conflict, answer.Status);
        var stored = fixture.Services.GetRequiredService<TaskFiles>().Upload(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(csv)), 0, 16));
        Assert.False(File.Exists(stored), $"the refused upload was kept as {Path.GetFileName(stored)}");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(stored)!, "incoming-*"));
    }

    private async Task AssertNoShellTaskIsQueuedAsync()
    {
        using var agent = fixture.CreateClient();
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Fixture.AgentToken);
        var (status, picked) = await agent.GetJsonAsync("/tasks/pick?agent=attack-watcher");
        Assert.True(status == HttpStatusCode.NoContent, $"an agent was handed a command: {picked}");
    }

    private static MultipartFormDataContent Upload(string csv, string? maxBadRows = null)
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var form = new MultipartFormDataContent { { new StringContent("csv-import"), "type" }, { new StringContent("uploader"), "client" }, { file, "file", "data.csv" } };
        if (maxBadRows is not null)
        {
            form.Add(new StringContent(maxBadRows), "max_bad_rows");
        }

        return form;
    }

    /// <summary>Authentication on, shell tasks enabled, an agent token; its own files directory.</summary>
    public sealed class Fixture : WebApplicationFactory<Program>
    {
        public const string AgentToken = "seam-attack-agent-token-0123456789";
        private const string AdminName = "root";
        private const string AdminPassword = "root-password-1";
        private readonly string _files = Path.Combine(Path.GetTempPath(), $"tasker-seam-{Guid.NewGuid():N}");

        public HttpClient Admin() => As(AdminName, AdminPassword);

        public HttpClient As(string user, string password)
        {
            var http = CreateClient();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
            return http;
        }

        public async Task<(string Name, string Password)> NewUserAsync(string prefix, string tier = "paid", params string[] roles)
        {
            var name = $"{prefix}-{Guid.NewGuid():N}"[..24];
            var password = $"pw-{Guid.NewGuid():N}";
            using var admin = Admin();
            using var created = await admin.PutAsJsonAsync($"/users/{name}", new { tier, roles, password });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            return (name, password);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder) =>
            builder.UseQuickEmbeddedSilo()
                .UseSetting("Tasker:Auth:Enabled", "true")
                .UseSetting("Tasker:Auth:AdminName", AdminName)
                .UseSetting("Tasker:Auth:AdminPassword", AdminPassword)
                .UseSetting("Tasker:Shell:Enabled", "true")
                .UseSetting("Tasker:Agents:Token", AgentToken)
                .UseSetting("Tasker:Files:Path", _files)
                .UseSetting("Tasker:Tiers:trickle:RequestsPerSecond", "3")
                .UseSetting("Tasker:Tiers:lowonly:MaxPriority", "low")
                .UseSetting("Tasker:Tiers:lowonly:RequestsPerSecond", "1000");

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing && Directory.Exists(_files))
            {
                Directory.Delete(_files, recursive: true);
            }
        }
    }
}

/// <summary>The attacks on a silo without authentication, where shell tasks are off (the default).</summary>
[Collection(ApiCollection.Name)]
public sealed class ShellOffAttackTests(TaskerApiFixture fixture)
{
    [Fact]
    public async Task With_shell_tasks_off_000s_process_route_refuses_a_shell_task()
    {
        using var http = fixture.CreateClient();

        var (status, answer) = await http.PostJsonAsync("/process", """{"task":"shell","client_name":"bob","params":{"command":"id; env"}}""");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("shell-disabled", answer.GetProperty("code").GetString());
    }

    [Fact]
    public async Task With_shell_tasks_off_the_task_grain_refuses_a_shell_task_that_skipped_the_seam()
    {
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        var id = TaskIds.New();

        var refused = await Assert.ThrowsAsync<SubmissionRefusedException>(() =>
            grains.GetGrain<ITaskGrain>(id).SubmitAsync(new TaskSubmission("shell", """{"command":"id","timeout_s":60}""", "bob", TaskPriority.Normal)));

        Assert.Contains("Tasker:Shell:Enabled", refused.Message, StringComparison.Ordinal);
        Assert.Null(await grains.GetGrain<ITaskGrain>(id).GetAsync());
        Assert.Null(await grains.GetGrain<Tasker.Shell.IShellQueueGrain>(0).PickAsync("attack-watcher"));
    }

    [Fact]
    public async Task Set_processes_status_with_an_invalid_entry_changes_nothing()
    {
        using var http = fixture.CreateClient();

        var (status, _) = await http.PostJsonAsync("/set_processes_status", """{"mult3":"suspended","sum2":"paused"}""");
        var (_, mult3) = await http.GetJsonAsync("/processes/mult3");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("active", mult3.GetProperty("status").GetString());
    }
}
