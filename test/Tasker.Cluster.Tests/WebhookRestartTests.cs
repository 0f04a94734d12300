using System.Net;
using System.Text;
using System.Text.Json;
using Tasker.Testing;

namespace Tasker.Cluster.Tests;

/// <summary>
/// Webhook deliveries are durable (docs/adr/036): a real silo process on a SQLite file, killed with kill -9 while its
/// deliveries are still failing, and started again on the same file, delivers every one of them, signed with the same
/// secret and under the same webhook-id.
/// </summary>
public sealed class WebhookRestartTests : IDisposable
{
    private const int Deliveries = 20;
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(90);

    private readonly string _dataPath = Directory.CreateTempSubdirectory("tasker-webhooks-").FullName;

    private readonly Dictionary<string, string> _settings = new()
    {
        ["Tasker__Webhooks__AllowPrivate"] = "true",
        ["Tasker__Webhooks__FirstRetryDelay"] = "00:00:00.200",
        ["Tasker__Webhooks__MaxRetryDelay"] = "00:00:01",
        ["Tasker__Webhooks__Timeout"] = "00:00:02",
    };

    public void Dispose() => Directory.Delete(_dataPath, recursive: true);

    [Fact]
    public async Task A_silo_killed_with_deliveries_pending_delivers_every_one_of_them_after_its_restart()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.AnswerAlways = 503;
        var ids = new List<string>();
        await using (var first = SiloProcess.Embedded(_dataPath, _settings))
        {
            await first.StartAsync();
            using (var secret = await first.Http.PostAsync($"/users/{SiloProcess.AdminName}/webhook-secret", null))
            {
                Assert.Equal(HttpStatusCode.Created, secret.StatusCode);
                receiver.Secret = JsonDocument.Parse(await secret.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString();
            }

            for (var i = 0; i < Deliveries; i++)
            {
                using var response = await first.Http.PostAsync("/tasks", new StringContent(
                    $$"""{"type":"count","params":{"to":1,"delay_ms":1},"client":"{{SiloProcess.AdminName}}","callback":{"url":"{{receiver.Url}}"} }""",
                    Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                ids.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
            }

            // Every delivery has failed at least once, and none has succeeded, when the silo dies.
            await Retry.UntilAsync(() => Task.FromResult(receiver.Requests.Select(r => r.WebhookId).Distinct().Count()), _patience, n => n == Deliveries);
            await first.KillAsync();
        }

        receiver.AnswerAlways = null;
        var before = receiver.Requests.Count;
        Assert.DoesNotContain(receiver.Requests, r => r.Answered == 200);

        await using var second = SiloProcess.Embedded(_dataPath, _settings);
        await second.StartAsync();
        var delivered = await Retry.UntilAsync(
            () => Task.FromResult(receiver.Requests.Where(r => r.Answered == 200).Select(r => r.WebhookId).ToHashSet()), _patience, set => set.Count == Deliveries);

        Assert.Equal(ids.Select(id => "msg_" + id).ToHashSet(), delivered);
        Assert.All(receiver.Requests, r => Assert.True(r.Verified, $"{r.WebhookId} did not verify"));
        Assert.True(receiver.Requests.Count > before);
        foreach (var id in ids)
        {
            var deliveries = await Retry.UntilAsync(async () => JsonDocument.Parse(await second.Http.GetStringAsync($"/tasks/{id}/deliveries")).RootElement,
                TimeSpan.FromSeconds(10), d => d.GetProperty("status").GetString() == "delivered");
            Assert.Equal("delivered", deliveries.GetProperty("status").GetString());
        }

        await Task.Delay(1500); // Nothing delivered is sent again.
        Assert.Equal(Deliveries, receiver.Requests.Count(r => r.Answered == 200));
    }
}
