using System.Text;

namespace Tasker.Fuzz.Tests;

/// <summary>Regression tests, one per defect the fuzzer found (README, "Found by the fuzzer").</summary>
public sealed class FoundByTheFuzzerTests(FuzzServerFixture server) : IClassFixture<FuzzServerFixture>
{
    [Theory]
    [InlineData("text/event-stream")]
    [InlineData("text/html")]
    [InlineData("*/*;q=abc")]
    public async Task A_client_mistake_caught_as_an_exception_is_a_400_whatever_the_client_accepts_and_logs_no_error(string accept)
    {
        server.Errors.Clear();
        var body = Encoding.UTF8.GetBytes("""{"type":"sum2","params":{"first":1,"second":2},"client":"fuzz"}""");
        var answer = await RawHttp.SendAsync(server.Address, new FuzzRequest(
            "POST", "/tasks", [new("Content-Type", "application/json"), new("Accept", accept)], body, Delivery.BadChunk));
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // The server logs after it has answered.

        Assert.Equal(400, answer.Status);
        Assert.Contains("application/problem+json", answer.Head, StringComparison.Ordinal);
        Assert.Empty(server.Errors.Lines);
    }
}

/// <summary>Regression tests for what the fuzzer found when it went through every door as a signed-in user.</summary>
public sealed class FoundByTheSignedInFuzzerTests(SignedInFuzzServerFixture server) : IClassFixture<SignedInFuzzServerFixture>
{
    private static readonly KeyValuePair<string, string> _testUser = new("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("test:test")));

    [Theory]
    [InlineData("application/x-www-form-urlencoded", "input_param=%00")]
    [InlineData("application/x-www-form-urlencoded", "input_param%5B%5D=a&input_param%5B%5D=%FF%00")]
    [InlineData("multipart/form-data", "input_param=abc")]
    public async Task A_003_form_that_cannot_be_read_is_a_400_that_says_so(string contentType, string body)
    {
        server.Errors.Clear();

        var answer = await RawHttp.SendAsync(server.Address, new FuzzRequest(
            "POST", "/api/v1/task/", [new("Content-Type", contentType), _testUser], Encoding.UTF8.GetBytes(body), Delivery.Whole));

        Assert.Equal(400, answer.Status);
        Assert.Contains("application/problem+json", answer.Head, StringComparison.Ordinal);
        Assert.Empty(server.Errors.Lines);
    }

    [Fact]
    public async Task A_403_for_a_user_who_is_not_an_admin_is_a_problem_whatever_the_client_accepts()
    {
        server.Errors.Clear();

        var answer = await RawHttp.SendAsync(server.Address, new FuzzRequest(
            "PUT", "/processes/sum2", [new("Content-Type", "application/json"), new("Accept", "text/event-stream"), _testUser],
            Encoding.UTF8.GetBytes("""{"status":"active"}"""), Delivery.Whole));

        Assert.Equal(403, answer.Status);
        Assert.Contains("application/problem+json", answer.Head, StringComparison.Ordinal);
        Assert.Empty(server.Errors.Lines);
    }
}
