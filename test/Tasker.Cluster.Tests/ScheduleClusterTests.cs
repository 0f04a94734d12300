using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tasker.Client;

namespace Tasker.Cluster.Tests;

/// <summary>
/// Schedules in cluster mode (docs/adr/033): state in PostgreSQL, the heartbeat in Redis. A silo killed with kill -9
/// loses no schedule: its heartbeat wakes it on the other silo, without any call to it, and no due time makes two tasks.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ScheduleClusterTests(ClusterServers servers)
{
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_schedule_goes_on_after_its_silo_is_killed_woken_by_its_heartbeat_and_each_due_time_makes_one_task()
    {
        var service = "sch" + Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string>
        {
            ["Tasker__Tiers__free__MinInterval"] = "00:00:01",
            ["Tasker__Tiers__paid__MinInterval"] = "00:00:01",
        };
        const string client = "scheduled";
        await using var one = new SiloProcess(servers, service, settings);
        await using var two = new SiloProcess(servers, service, settings);
        await one.StartAsync();
        await two.StartAsync();
        using var put = await one.Http.PutAsync("/schedules/tick", new StringContent(
            $$$"""{"client":"{{{client}}}","task":{"type":"sum2","params":{"first":20,"second":22}},"every":"PT1S","overlap":"allow"}""", Encoding.UTF8, "application/json"));
        Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync());
        var api = new TaskerClient(one.Http);
        await Retry.UntilAsync(() => api.ListAsync(client: client), _patience, page => page.Items.Count >= 2);

        // The silo that holds the schedule says so in its log: that one dies.
        const string held = "Schedule tick of scheduled created";
        var (doomed, second) = one.Log.Contains(held, StringComparison.Ordinal) ? (one, two) : (two, one);
        Assert.Contains(held, doomed.Log, StringComparison.Ordinal);
        await doomed.KillAsync();

        var again = new TaskerClient(second.Http);
        var before = (await Retry.UntilAsync(() => again.ListAsync(client: client, limit: 500), _patience)).Items.Count;

        // Only the task listing is read, never the schedule: what makes the new tasks is the heartbeat in Redis.
        await Retry.UntilAsync(() => again.ListAsync(client: client, limit: 500), TimeSpan.FromSeconds(90), page => page.Items.Count >= before + 3);

        var runs = await second.Http.GetFromJsonAsync<JsonElement>($"/schedules/tick/runs?client={client}&limit=100");
        var created = runs.GetProperty("items").EnumerateArray().Where(r => r.GetProperty("outcome").GetString() == "created").ToList();
        Assert.Equal(created.Count, created.Select(r => r.GetProperty("dueAt").GetDateTimeOffset()).Distinct().Count());
        Assert.Equal(created.Count, created.Select(r => r.GetProperty("taskId").GetString()).Distinct().Count());
        using var deleted = await second.Http.DeleteAsync($"/schedules/tick?client={client}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }
}
