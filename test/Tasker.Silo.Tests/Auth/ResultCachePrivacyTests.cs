using System.Net;

namespace Tasker.Silo.Tests.Auth;

[Collection(AuthCollection.Name)]
public sealed class ResultCachePrivacyTests(AuthApiFixture api)
{
    [Theory]
    [InlineData("sum2", """{"first":12345,"second":54321}""")]
    [InlineData("sequence", """{"n":17}""")]
    public async Task A_cache_hit_is_the_askers_own_task_and_never_names_who_asked_before(string type, string parameters)
    {
        var (first, firstPassword) = await api.NewUserAsync("cache-a");
        var (second, secondPassword) = await api.NewUserAsync("cache-b");
        using var a = api.As(first, firstPassword);
        using var b = api.As(second, secondPassword);

        var (_, original) = await a.PostJsonAsync("/tasks", $$"""{"type":"{{type}}","params":{{parameters}}}""");
        var firstId = original.GetProperty("id").GetString()!;
        await a.WaitForStatusAsync(firstId, "succeeded");

        var (status, hit) = await b.PostJsonAsync("/tasks", $$"""{"type":"{{type}}","params":{{parameters}}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(hit.GetProperty("cached").GetBoolean());
        Assert.Equal(second, hit.GetProperty("client").GetString());
        Assert.NotEqual(firstId, hit.GetProperty("id").GetString());
        Assert.DoesNotContain(first, hit.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(firstId, hit.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetJsonAsync($"/tasks/{firstId}")).Status);
    }
}
