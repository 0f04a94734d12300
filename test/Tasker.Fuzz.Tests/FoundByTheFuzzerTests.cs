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
