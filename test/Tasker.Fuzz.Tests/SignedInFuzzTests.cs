using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Tasker.Fuzz.Tests;

/// <summary>The fuzz server with authentication on, 003's demo users, and shell tasks enabled for those allowed them.</summary>
public sealed class SignedInFuzzServerFixture : FuzzServerFixture
{
    protected override bool SignedIn => true;
}

/// <summary>
/// Every door (canonical, batch, uploads, the old systems' routes) fuzzed as a signed-in user without the shell role
/// (003's demo user <c>test</c>): besides the fuzzer's usual properties, not one shell task may be queued by it.
/// </summary>
public sealed class SignedInFuzzTests(SignedInFuzzServerFixture server, ITestOutputHelper output) : IClassFixture<SignedInFuzzServerFixture>
{
    private static readonly string _testUser = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("test:test"));

    [Fact]
    public async Task Random_requests_through_every_door_as_a_user_without_the_shell_role_never_queue_a_shell_task()
    {
        await HttpFuzzTests.FuzzAsync(server, output, HttpFuzzTests.RandomSeed(), AsTestUser);

        using var admin = new HttpClient { BaseAddress = server.Address };
        admin.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", server.AdminAuthorization);
        var shellTasks = await admin.GetFromJsonAsync<JsonElement>("/tasks?type=shell&limit=500");
        var clients = shellTasks.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("client").GetString()).ToList();
        Assert.True(clients.Count == 1 && clients[0] == "fuzz", $"shell tasks other than the fixture's own were queued, for: {string.Join(", ", clients)}");
    }

    /// <summary>The request as the user <c>test</c> sends it; an agent's request (its token) is left as it is.</summary>
    private static FuzzRequest AsTestUser(FuzzRequest request) =>
        request.Headers.Any(h => h.Value.Contains(FuzzServerFixture.AgentToken, StringComparison.Ordinal))
            ? request
            : request with
            {
                Headers = [.. request.Headers.Where(h => !h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("X-Api-Key", StringComparison.OrdinalIgnoreCase)),
                    new("Authorization", _testUser)],
            };
}
