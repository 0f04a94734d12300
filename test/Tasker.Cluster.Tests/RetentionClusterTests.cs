using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Tasker.Cluster.Tests;

/// <summary>
/// Retention in cluster mode (docs/adr/020), against the real PostgreSQL: an expired task's rows leave every table:
/// its history line, its entry among the ended tasks, its grain state and its children's, and an expired
/// idempotency key's row; a running task keeps its rows; parents kept by waiting children do not hold up younger tasks.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class RetentionClusterTests(ClusterServers servers)
{
    [Fact]
    public async Task An_expired_task_and_its_children_and_key_leave_the_tables_and_a_running_task_stays()
    {
        var service = "ret" + Guid.NewGuid().ToString("N")[..12];
        await using var silo = new SiloProcess(servers, service, new Dictionary<string, string>
        {
            ["Tasker__Retention__Succeeded"] = "00:00:02",
            ["Tasker__Retention__Cancelled"] = "00:00:02",
            ["Tasker__Retention__IdempotencyKeys"] = "00:00:02",
            ["Tasker__Retention__SweepInterval"] = "00:00:00.500",
        });
        await silo.StartAsync();
        const string client = "retention";
        await using var database = NpgsqlDataSource.Create(servers.Postgres);
        var running = await SubmitAsync(silo, """{"type":"count","params":{"to":100000000,"delay_ms":50},"client":"retention"}""");
        var keyed = await SubmitAsync(silo, """{"type":"sum2","params":{"first":3,"second":4},"client":"retention"}""", idempotencyKey: "k1");
        Assert.Equal(1, await CountAsync(database, "SELECT count(*) FROM tasker_grains WHERE service_id = $1 AND grain_type = 'idempotency' AND payload_binary IS NOT NULL", service));
        var sequence = await SubmitAsync(silo, $$"""{"type":"sequence","params":{"n":{{Random.Shared.Next(10, 10_000)}}},"client":"retention"}""");
        var sum = await SubmitAsync(silo, """{"type":"sum2","params":{"first":1,"second":2},"client":"retention"}""");
        await WaitAsync(() => StatusAsync(silo, sequence), s => s != "running" && s != "queued", "the sequence to end");
        Assert.Equal("succeeded", await StatusAsync(silo, sequence));
        Assert.True(await CountAsync(database, "SELECT count(*) FROM tasker_grains WHERE service_id = $1 AND grain_type = 'task' AND grain_id_extension LIKE $2 AND payload_binary IS NOT NULL", service, sequence + ".%") > 0);

        foreach (var id in new[] { sum, keyed, sequence })
        {
            await WaitAsync(() => StatusAsync(silo, id), s => s == "404", $"task {id} to expire");
        }

        // The rows go at the end of the sweep that expired the tasks, and the key's at a sweep after its 2 s.
        await WaitAsync(
            async () => (await CountAsync(database, "SELECT count(*) FROM tasker_grains WHERE service_id = $1 AND grain_type IN ('task', 'idempotency')", service)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            count => count == "1",
            "only the running task's grain row to be left");
        Assert.Equal(1, await CountAsync(database, "SELECT count(*) FROM tasker_history WHERE service_id = $1", service));
        Assert.Equal(0, await CountAsync(database, "SELECT count(*) FROM tasker_ended WHERE service_id = $1", service));
        Assert.Equal("running", await StatusAsync(silo, running));

        Assert.Equal(HttpStatusCode.OK, (await silo.Http.PostAsync(new Uri($"/tasks/{running}/cancel", UriKind.Relative), null)).StatusCode);
        await WaitAsync(() => StatusAsync(silo, running), s => s == "404", "the cancelled task to expire");
        Assert.Equal(0, await CountAsync(database, "SELECT count(*) FROM tasker_history WHERE service_id = $1 AND client = $2", service, client));
    }

    [Fact]
    public async Task More_parents_kept_by_waiting_children_than_a_sweep_batch_do_not_stop_a_younger_task_from_expiring()
    {
        var service = "ret" + Guid.NewGuid().ToString("N")[..12];
        await using var silo = new SiloProcess(servers, service, new Dictionary<string, string>
        {
            ["Tasker__Retention__Succeeded"] = "00:00:02",
            ["Tasker__Retention__Cancelled"] = "00:00:02",
            ["Tasker__Retention__SweepInterval"] = "00:00:00.500",
            ["Tasker__Retention__SweepBatch"] = "3",
            ["Tasker__Retention__KeptRecheck"] = "00:00:01",
        });
        await silo.StartAsync();
        const string client = "retention-kept";
        var blocker = await SubmitAsync(silo, $$"""{"type":"count","params":{"to":100000000,"delay_ms":50},"client":"{{client}}"}""");
        var parents = new List<string>();
        var children = new List<string>();
        for (var i = 0; i < 5; i++) // Two batches' worth of the oldest ended tasks, all kept.
        {
            var parent = await SubmitAsync(silo, $$"""{"type":"sum2","params":{"first":{{i}},"second":1},"client":"{{client}}"}""");
            var child = await SubmitAsync(silo, $$"""{"type":"sum-results","client":"{{client}}","after":["{{parent}}","{{blocker}}"]}""");
            Assert.Equal("waiting", await StatusAsync(silo, child));
            parents.Add(parent);
            children.Add(child);
        }

        var younger = await SubmitAsync(silo, $$"""{"type":"sum2","params":{"first":7,"second":8},"client":"{{client}}"}""");
        await WaitAsync(() => StatusAsync(silo, younger), s => s == "404", "the younger task to expire");
        foreach (var parent in parents)
        {
            Assert.Equal("succeeded", await StatusAsync(silo, parent)); // Kept by its child.
        }

        Assert.Equal(HttpStatusCode.OK, (await silo.Http.PostAsync(new Uri($"/tasks/{blocker}/cancel", UriKind.Relative), null)).StatusCode);
        foreach (var id in children.Concat(parents))
        {
            await WaitAsync(() => StatusAsync(silo, id), s => s == "404", $"task {id} to expire once its child ended");
        }
    }

    private static async Task<string> SubmitAsync(SiloProcess silo, string json, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/tasks") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await silo.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<string> StatusAsync(SiloProcess silo, string id)
    {
        var response = await silo.Http.GetAsync(new Uri($"/tasks/{id}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.NotFound
            ? "404"
            : JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString()!;
    }

    private static async Task WaitAsync(Func<Task<string>> read, Func<string, bool> until, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string last;
        while (!until(last = await read()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited in vain for {what}; last seen: {last}");
            await Task.Delay(200);
        }
    }

    private static async Task<long> CountAsync(NpgsqlDataSource database, string sql, params string[] values)
    {
        await using var command = database.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }
}
