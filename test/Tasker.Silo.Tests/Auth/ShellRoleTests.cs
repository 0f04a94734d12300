using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Auth;

/// <summary>With authentication on and shell tasks enabled, only users with the shell role may submit them.</summary>
public sealed class ShellRoleTests(ShellRoleTests.Fixture fixture) : IClassFixture<ShellRoleTests.Fixture>
{
    [Fact]
    public async Task A_user_without_the_shell_role_gets_a_403_that_names_the_role()
    {
        using var user = await fixture.NewUserAsync("noshell");

        using var response = await user.PostAsJsonAsync("/tasks", new { type = "shell", @params = new { command = "true" } });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("shell-role-required", problem.RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_user_with_the_shell_role_has_its_shell_task_queued_under_its_own_name()
    {
        using var user = await fixture.NewUserAsync("shelluser", "shell");

        using var response = await user.PostAsJsonAsync("/tasks", new { type = "shell", @params = new { command = "true" } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var task = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("queued", task.RootElement.GetProperty("status").GetString());
        Assert.StartsWith("shelluser", task.RootElement.GetProperty("client").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_call_their_routes_with_the_agent_token_alone_and_are_never_throttled_as_failed_sign_ins()
    {
        using var agent = fixture.CreateClient();
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Fixture.AgentToken);
        agent.DefaultRequestHeaders.Add("X-Agent-Name", "auth-on-agent");

        // More picks than the failed sign-ins allowed per minute (30): the agent token is not a user's API key.
        for (var i = 0; i < 40; i++)
        {
            using var pick = await agent.GetAsync("/tasks/pick");
            Assert.True(pick.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK, $"pick {i}: {(int)pick.StatusCode} {await pick.Content.ReadAsStringAsync()}");
            if (pick.StatusCode == HttpStatusCode.OK)
            {
                using var picked = JsonDocument.Parse(await pick.Content.ReadAsStringAsync());
                var id = picked.RootElement.GetProperty("id").GetString();
                var lease = picked.RootElement.GetProperty("lease").GetString();
                using var finished = await agent.PostAsJsonAsync($"/tasks/{id}/finish", new { lease, exitCode = 0, stdout = "", stderr = "" });
            }
        }

        using var userRoute = await agent.GetAsync("/tasks");
        Assert.Equal(HttpStatusCode.Unauthorized, userRoute.StatusCode); // The agent token opens no user route.
    }

    /// <summary>Authentication on, shell tasks enabled, an admin from configuration.</summary>
    public sealed class Fixture : WebApplicationFactory<Program>
    {
        public const string AgentToken = "auth-on-agent-token-0123456789";
        private const string AdminName = "root";
        private const string AdminPassword = "root-password-1";

        public async Task<HttpClient> NewUserAsync(string prefix, params string[] roles)
        {
            var name = $"{prefix}-{Guid.NewGuid():N}"[..24];
            var password = $"pw-{Guid.NewGuid():N}";
            using (var admin = As(AdminName, AdminPassword))
            using (var created = await admin.PutAsJsonAsync($"/users/{name}", new { tier = "paid", roles, password }))
            {
                Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            }

            return As(name, password);
        }

        /// <summary>Sets a user's roles, as an admin does.</summary>
        public async Task SetRolesAsync(string name, params string[] roles)
        {
            using var admin = As(AdminName, AdminPassword);
            using var updated = await admin.PutAsJsonAsync($"/users/{name}", new { roles });
            Assert.True(updated.IsSuccessStatusCode, await updated.Content.ReadAsStringAsync());
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder) =>
            builder.UseQuickEmbeddedSilo()
                .UseSetting("Tasker:Auth:Enabled", "true")
                .UseSetting("Tasker:Auth:AdminName", AdminName)
                .UseSetting("Tasker:Auth:AdminPassword", AdminPassword)
                .UseSetting("Tasker:Shell:Enabled", "true")
                .UseSetting("Tasker:Agents:Token", AgentToken);

        private HttpClient As(string user, string password)
        {
            var http = CreateClient();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
            return http;
        }
    }
}
