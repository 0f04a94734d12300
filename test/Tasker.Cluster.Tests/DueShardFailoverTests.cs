using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tasker.Cluster.Tests;

/// <summary>
/// Delayed tasks in cluster mode survive the loss of the silo that ran their due shards: the shards' entries are rows in
/// PostgreSQL and their heartbeats are reminders, so the survivor takes the shards over and starts every task, once.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed partial class DueShardFailoverTests(ClusterServers servers)
{
    private const int Tasks = 40;

    [Fact]
    public async Task Kill_9_of_a_silo_a_few_seconds_before_tasks_fall_due_starts_every_one_once_within_90_s_of_its_time()
    {
        var clusterId = "t" + Guid.NewGuid().ToString("N")[..12];
        // The tasks' own lines only, so that the logs that prove "once" stay well within what a SiloProcess keeps.
        var logging = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "None",
            ["Logging__LogLevel__Orleans"] = "None",
            ["Logging__LogLevel__Polly"] = "None",
            ["Logging__LogLevel__Tasker"] = "None",
            ["Logging__LogLevel__Microsoft"] = "None",
            ["Logging__LogLevel__Tasker.Tasks.TaskGrain"] = "Information",
        };
        await using var doomed = new SiloProcess(servers, clusterId, logging);
        await using var survivor = new SiloProcess(servers, clusterId, logging);
        await doomed.StartAsync();
        await survivor.StartAsync();

        // Both silos run shards (they are placed at random), and every task was submitted through the doomed one.
        var due = DateTimeOffset.UtcNow.AddSeconds(12);
        var ids = new List<string>();
        for (var i = 0; i < Tasks; i++)
        {
            var runAt = due.AddMilliseconds(i * 50).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            using var response = await doomed.Http.PostAsJsonAsync("/tasks", new { type = "count", @params = new { to = 2 }, client = "due-failover", run_at = runAt });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var task = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("scheduled", task.GetProperty("status").GetString());
            ids.Add(task.GetProperty("id").GetString()!);
        }

        var killAt = due.AddSeconds(-4) - DateTimeOffset.UtcNow;
        Assert.True(killAt > TimeSpan.Zero, "the submissions took longer than the test allows for");
        await Task.Delay(killAt);
        await doomed.KillAsync();

        var deadline = due.AddMilliseconds(Tasks * 50).AddSeconds(90);
        var ended = new Dictionary<string, JsonElement>();
        while (ended.Count < Tasks && DateTimeOffset.UtcNow < deadline)
        {
            foreach (var id in ids.Where(id => !ended.ContainsKey(id)))
            {
                if (await TryGetAsync(survivor, id) is { } task && task.GetProperty("status").GetString() == "succeeded")
                {
                    ended[id] = task;
                }
            }

            await Task.Delay(500);
        }

        Assert.True(ended.Count == Tasks, $"{Tasks - ended.Count} of {Tasks} tasks did not end within 90 s of their time; survivor's log:\n{survivor.Log}");
        foreach (var task in ended.Values)
        {
            var started = task.GetProperty("startedAt").GetDateTimeOffset();
            var runAt = task.GetProperty("runAt").GetDateTimeOffset();
            Assert.True(started >= runAt, $"started before its time: {task}");
            Assert.True(started - runAt < TimeSpan.FromSeconds(90), $"started {started - runAt} after its time: {task}");
        }

        // Exactly once: each task's due start is logged once, across both silos.
        var starts = DueStart().Matches(doomed.Log + survivor.Log).Select(m => m.Groups["id"].Value).ToList();
        foreach (var id in ids)
        {
            Assert.True(starts.Count(s => s == id) == 1,
                $"task {id} was started {starts.Count(s => s == id)} times by its due time; logs ({doomed.Log.Length} + {survivor.Log.Length} chars):\n{doomed.Log}\n{survivor.Log}");
        }
    }

    private static async Task<JsonElement?> TryGetAsync(SiloProcess silo, string id)
    {
        try
        {
            using var response = await silo.Http.GetAsync($"/tasks/{id}");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return null; // The survivor is busy taking over.
        }
    }

    [GeneratedRegex(@"Task (?<id>[0-9a-f]{32}) of [^,\n]+, due at [^,\n]+, started")]
    private static partial Regex DueStart();
}
