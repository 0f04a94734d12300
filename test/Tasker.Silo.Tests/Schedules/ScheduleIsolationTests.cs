using System.Net;
using System.Text.Json;
using Tasker.Silo.Tests.Auth;

namespace Tasker.Silo.Tests.Schedules;

/// <summary>With authentication on: a schedule is its user's, capped by its tier, and made with its user's rights.</summary>
[Collection(AuthCollection.Name)]
public sealed class ScheduleIsolationTests(AuthApiFixture api)
{
    private const string Body = """{"task":{"type":"sum2","params":{"first":1,"second":2}},"cron":"0 3 * * *"}""";

    [Fact]
    public async Task Another_users_schedule_is_not_found_on_every_route_and_not_listed()
    {
        var (owner, ownerPassword) = await api.NewUserAsync("sowner");
        var (other, otherPassword) = await api.NewUserAsync("sother");
        using var ownerHttp = api.As(owner, ownerPassword);
        using var otherHttp = api.As(other, otherPassword);
        using var admin = api.Admin();
        Assert.Equal(HttpStatusCode.Created, (await ownerHttp.PutTextAsync("/schedules/mine", Body)).Status);

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, ""), (HttpMethod.Get, "/next"), (HttpMethod.Get, "/runs"), (HttpMethod.Post, "/pause"),
            (HttpMethod.Post, "/resume"), (HttpMethod.Post, "/trigger"), (HttpMethod.Delete, ""),
        })
        {
            var response = await otherHttp.SendRawAsync(method, $"/schedules/mine{path}?client={owner}");
            response.AssertProblem(HttpStatusCode.NotFound, code: "not-found");
        }

        var (_, othersList) = await otherHttp.GetJsonAsync($"/schedules?client={owner}");
        var (_, ownList) = await ownerHttp.GetJsonAsync("/schedules");
        var (_, adminOne) = await admin.GetJsonAsync($"/schedules/mine?client={owner}");
        var (_, adminAll) = await admin.GetJsonAsync("/schedules");
        var (status, stillThere) = await ownerHttp.GetJsonAsync("/schedules/mine");

        Assert.Empty(othersList.GetProperty("items").EnumerateArray());
        Assert.Equal(["mine"], Ids(ownList));
        Assert.Equal(owner, adminOne.GetProperty("client").GetString());
        Assert.Contains(adminAll.GetProperty("items").EnumerateArray(), s => s.GetProperty("client").GetString() == owner);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(stillThere.GetProperty("paused").GetBoolean()); // The other user's pause did nothing.
    }

    [Fact]
    public async Task A_user_may_not_put_a_schedule_for_another_client()
    {
        var (user, password) = await api.NewUserAsync("sclient");
        using var http = api.As(user, password);

        var response = await http.PutTextAsync("/schedules/theirs", """{"client":"someone-else","task":{"type":"sum2","params":{"first":1,"second":2}},"cron":"0 3 * * *"}""");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "client");
    }

    [Fact]
    public async Task The_tier_caps_how_many_schedules_a_user_holds()
    {
        var (user, password) = await api.NewUserAsync("sfew", "few");
        using var http = api.As(user, password);

        var first = await http.PutTextAsync("/schedules/one", Body);
        var second = await http.PutTextAsync("/schedules/two", Body);
        var third = await http.PutTextAsync("/schedules/three", Body);
        var replaced = await http.PutTextAsync("/schedules/two", Body);
        var deleted = await http.SendRawAsync(HttpMethod.Delete, "/schedules/one");
        var thirdAgain = await http.PutTextAsync("/schedules/three", Body);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, second.Status);
        third.AssertProblem(HttpStatusCode.Conflict, code: "too-many-schedules");
        Assert.Equal(HttpStatusCode.OK, replaced.Status);
        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        Assert.Equal(HttpStatusCode.Created, thirdAgain.Status);
    }

    [Theory]
    [InlineData("""{"task":{"type":"sum2","params":{"first":1,"second":2}},"every":"PT30S"}""", "every")]
    [InlineData("""{"task":{"type":"sum2","params":{"first":1,"second":2}},"cron":"*/10 * * * * *"}""", "cron")]
    [InlineData("""{"task":{"type":"sum2","params":{"first":1,"second":2}},"cron":"0,1 3 * * *"}""", "cron")] // 1 minute apart at the closest: the free minimum, allowed.
    [InlineData("""{"task":{"type":"sum2","params":{"first":1,"second":2},"priority":"high"},"cron":"0 3 * * *"}""", "task.priority")]
    public async Task The_free_tier_refuses_a_schedule_beyond_its_limits(string body, string field)
    {
        var (user, password) = await api.NewUserAsync("sfree");
        using var http = api.As(user, password);
        var allowed = field == "cron" && body.Contains("0,1", StringComparison.Ordinal); // 1 minute apart is the free minimum.

        var response = await http.PutTextAsync("/schedules/fast", body);

        if (allowed)
        {
            Assert.Equal(HttpStatusCode.Created, response.Status);
        }
        else
        {
            response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
        }
    }

    [Fact]
    public async Task A_firing_is_made_with_its_users_rights_and_refused_once_the_user_is_gone()
    {
        var (user, password) = await api.NewUserAsync("sgone");
        using var http = api.As(user, password);
        using var admin = api.Admin();
        Assert.Equal(HttpStatusCode.Created, (await http.PutTextAsync("/schedules/job", Body)).Status);

        var made = await http.SendRawAsync(HttpMethod.Post, "/schedules/job/trigger");
        var deletedUser = await admin.SendRawAsync(HttpMethod.Delete, $"/users/{user}");
        var refused = await admin.SendRawAsync(HttpMethod.Post, $"/schedules/job/trigger?client={user}");

        Assert.Equal("created", made.Body.GetProperty("outcome").GetString());
        var (_, task) = await admin.GetJsonAsync($"/tasks/{made.Body.GetProperty("taskId").GetString()}");
        Assert.Equal(user, task.GetProperty("client").GetString());
        Assert.Equal(HttpStatusCode.NoContent, deletedUser.Status);
        Assert.True(refused.Status == HttpStatusCode.OK, $"trigger after the user was deleted: {(int)refused.Status} {refused.Body}");
        Assert.Equal("refused", refused.Body.GetProperty("outcome").GetString());
        Assert.Contains("no longer exists", refused.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static List<string> Ids(JsonElement list) => [.. list.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];
}
