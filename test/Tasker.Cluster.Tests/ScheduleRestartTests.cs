using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tasker.Client;

namespace Tasker.Cluster.Tests;

/// <summary>
/// The missed policies in the durable embedded mode (docs/adr/033): a silo process on a SQLite file is stopped across
/// a schedule's due times and started again; what the schedules make then is exactly what their policy says, and
/// another stop and start during or after the catch-up adds nothing.
/// </summary>
public sealed class ScheduleRestartTests : IDisposable
{
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(60);

    // Schedules may fire every second here, whatever tier the admin is in; a due time looked at over 1 s late is missed.
    private static readonly Dictionary<string, string> _settings = new()
    {
        ["Tasker__Tiers__free__MinInterval"] = "00:00:01",
        ["Tasker__Tiers__paid__MinInterval"] = "00:00:01",
        ["Tasker__Schedules__MissedAfter"] = "00:00:01",
    };

    private readonly string _dataPath = Directory.CreateTempSubdirectory("tasker-schedules-").FullName;

    public void Dispose() => Directory.Delete(_dataPath, recursive: true);

    [Fact]
    public async Task Due_times_passed_while_stopped_make_one_task_for_run_once_none_for_skip_and_max_catchup_for_run_all_and_a_restart_adds_none()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var clients = new Dictionary<string, string> { ["run_once"] = $"once-{suffix}", ["skip"] = $"skip-{suffix}", ["run_all"] = $"all-{suffix}" };
        DateTimeOffset start, end;

        await using (var first = SiloProcess.Embedded(_dataPath, _settings))
        {
            await first.StartAsync();
            // Six due times (start + 0, 2, ..., 10 s), all of them while the silo is stopped. Counted once the silo has
            // started, as a loaded machine stretches its start most (start, puts and stop took over 30 s once, beside
            // the other lane and a CPU hog): 20 s are for putting the schedules and stopping the silo.
            var started = DateTimeOffset.UtcNow;
            start = started.AddSeconds(20);
            start = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, start.Minute, start.Second, TimeSpan.Zero);
            end = start.AddSeconds(10);
            foreach (var (missed, client) in clients)
            {
                var body = $$$"""
                    {"client":"{{{client}}}","task":{"type":"sum2","params":{"first":20,"second":22}},"every":"PT2S","missed":"{{{missed}}}","max_catchup":3,
                     "overlap":"allow","start_at":"{{{Rfc3339(start)}}}","end_at":"{{{Rfc3339(end)}}}"}
                    """;
                using var put = await first.Http.PutAsync("/schedules/report", new StringContent(body, Encoding.UTF8, "application/json"));
                Assert.True(put.StatusCode == HttpStatusCode.Created, $"PUT {missed}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
            }

            var stopping = DateTimeOffset.UtcNow;
            await first.StopAsync();
            Assert.True(DateTimeOffset.UtcNow < start,
                $"the silo took too long to stop: the first due time came before it had stopped (the puts took {stopping - started:g}, the stop {DateTimeOffset.UtcNow - stopping:g})");
        }

        await WaitUntilAsync(end.AddSeconds(3));
        await using (var second = SiloProcess.Embedded(_dataPath, _settings))
        {
            await second.StartAsync();

            // Woken at start-up, not by a call: the tasks appear before anything asks a schedule.
            var api = new TaskerClient(second.Http);
            await Retry.UntilAsync(() => api.ListAsync(client: clients["run_all"]), _patience, page => page.Items.Count == 3);
            Assert.Contains("woke 3 schedules at start-up (0 failed)", second.Log, StringComparison.Ordinal);
            await AssertMadeAsync(second, clients, start, end);
            await second.KillAsync(); // Straight after the catch-up: whatever was stored stays, and nothing is made twice.
        }

        await using var third = SiloProcess.Embedded(_dataPath, _settings);
        await third.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(3)); // A look after the restart, which must find nothing due.
        await AssertMadeAsync(third, clients, start, end);
    }

    private static async Task AssertMadeAsync(SiloProcess silo, Dictionary<string, string> clients, DateTimeOffset start, DateTimeOffset end)
    {
        var dueTimes = Enumerable.Range(0, 6).Select(i => start.AddSeconds(2 * i)).ToList();
        var once = await CreatedAsync(silo, clients["run_once"], expected: 1);
        var skip = await CreatedAsync(silo, clients["skip"], expected: 0, missedLine: true);
        var all = await CreatedAsync(silo, clients["run_all"], expected: 3);

        Assert.Equal([end], once.Select(r => r.Due));
        Assert.Empty(skip);
        Assert.Equal(dueTimes.TakeLast(3).Reverse(), all.Select(r => r.Due));
        var api = new TaskerClient(silo.Http);
        foreach (var (_, client) in clients)
        {
            var tasks = (await Retry.UntilAsync(() => api.ListAsync(client: client), _patience)).Items;
            var made = client == clients["run_once"] ? once : client == clients["run_all"] ? all : skip;
            Assert.Equal(made.Select(r => r.TaskId).Order(), tasks.Select(t => t.Id).Order());
        }
    }

    /// <summary>The schedule's created runs, once there are <paramref name="expected"/> of them (and its missed line).</summary>
    private static async Task<IReadOnlyList<(DateTimeOffset Due, string TaskId)>> CreatedAsync(SiloProcess silo, string client, int expected, bool missedLine = false)
    {
        var deadline = DateTime.UtcNow + _patience;
        while (true)
        {
            JsonElement body = default;
            try
            {
                body = await silo.Http.GetFromJsonAsync<JsonElement>($"/schedules/report/runs?client={client}");
            }
            catch (Exception exception) when (Retry.IsTransient(exception))
            {
            }

            if (body.ValueKind == JsonValueKind.Object)
            {
                var runs = body.GetProperty("items").EnumerateArray().ToList();
                var created = runs.Where(r => r.GetProperty("outcome").GetString() == "created")
                    .Select(r => (r.GetProperty("dueAt").GetDateTimeOffset(), r.GetProperty("taskId").GetString()!)).ToList();
                var missed = runs.Any(r => r.GetProperty("outcome").GetString() == "missed");
                Assert.True(created.Count <= expected, $"schedule of {client} made more than {expected}: {body}");
                if (created.Count == expected && (!missedLine || missed))
                {
                    return created;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"schedule of {client} did not make {expected} tasks in time: {body}");
            await Task.Delay(250);
        }
    }

    private static async Task WaitUntilAsync(DateTimeOffset moment)
    {
        var wait = moment - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private static string Rfc3339(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
