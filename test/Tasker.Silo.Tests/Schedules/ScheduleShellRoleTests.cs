using System.Net;
using Tasker.Silo.Tests.Auth;

namespace Tasker.Silo.Tests.Schedules;

/// <summary>A schedule of shell tasks: put only with the shell role, and refused at firing once the role is gone.</summary>
public sealed class ScheduleShellRoleTests(ShellRoleTests.Fixture fixture) : IClassFixture<ShellRoleTests.Fixture>
{
    private const string Body = """{"task":{"type":"shell","params":{"command":"true"}},"cron":"0 3 * * *"}""";

    [Fact]
    public async Task Without_the_shell_role_a_shell_schedule_is_refused_when_put()
    {
        using var user = await fixture.NewUserAsync("snoshell");

        var response = await user.PutTextAsync("/schedules/sh", Body);

        response.AssertProblem(HttpStatusCode.Forbidden, code: "shell-role-required");
    }

    [Fact]
    public async Task A_shell_schedule_fires_with_the_role_and_is_refused_once_the_role_is_taken_away()
    {
        using var user = await fixture.NewUserAsync("sshell", "shell");
        var put = await user.PutTextAsync("/schedules/sh", Body);
        Assert.Equal(HttpStatusCode.Created, put.Status);
        var name = put.Body.GetProperty("client").GetString()!;

        var made = await user.SendRawAsync(HttpMethod.Post, "/schedules/sh/trigger");
        await fixture.SetRolesAsync(name);
        var refused = await user.SendRawAsync(HttpMethod.Post, "/schedules/sh/trigger");

        Assert.Equal("created", made.Body.GetProperty("outcome").GetString());
        Assert.Equal(HttpStatusCode.OK, refused.Status);
        Assert.Equal("refused", refused.Body.GetProperty("outcome").GetString());
        Assert.Contains("'shell' role", refused.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        _ = await user.CommandAsync(made.Body.GetProperty("taskId").GetString()!, "cancel");
    }
}
