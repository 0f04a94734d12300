using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Shell;

/// <summary>
/// The front end and an embedded silo with shell tasks enabled and an agent token, short leases and a quick queue
/// alarm, shared by the shell tests. The tests in its collection run one at a time and each drains the queue first.
/// </summary>
public sealed class ShellApiFixture : WebApplicationFactory<Program>
{
    public const string Token = "test-agent-token-0123456789";
    public const int MaxAttempts = 2;
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    /// <summary>A client that calls as an agent: the token and a name.</summary>
    public HttpClient Agent(string name = "test-agent")
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        http.DefaultRequestHeaders.Add("X-Agent-Name", name);
        return http;
    }

    /// <summary>Picks and finishes whatever is queued, so that a test starts with an empty queue.</summary>
    public async Task DrainAsync()
    {
        var agent = Agent("drain");
        while (true)
        {
            var (status, picked) = await agent.GetJsonAsync("/tasks/pick");
            if (status == HttpStatusCode.NoContent)
            {
                return;
            }

            Assert.Equal(HttpStatusCode.OK, status);
            await agent.PostJsonAsync($"/tasks/{picked.GetProperty("id").GetString()}/finish",
                JsonSerializer.Serialize(new { lease = picked.GetProperty("lease").GetString(), exitCode = 0 }));
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Shell:Enabled", "true")
            .UseSetting("Tasker:Agents:Token", Token)
            .UseSetting("Tasker:Shell:LeaseDuration", "00:00:02")
            .UseSetting("Tasker:Shell:MaxAttempts", MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Tasker:Shell:SweepInterval", "00:00:00.200")
            .UseSetting("Tasker:Shell:QueueAlarm", "00:00:01")
            .UseSetting("Tasker:Shell:MaxCommandLength", "100")
            .UseSetting("Tasker:Shell:MaxTimeoutSeconds", "600")
            .UseSetting("Tasker:Shell:DefaultTimeoutSeconds", "60")
            .UseSetting("Tasker:Shell:OutputCapBytes", "1024");
}

[CollectionDefinition(Name)]
public sealed class ShellCollection : ICollectionFixture<ShellApiFixture>
{
    public const string Name = "shell";
}
