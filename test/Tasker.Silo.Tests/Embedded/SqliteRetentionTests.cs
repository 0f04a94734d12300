using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

/// <summary>
/// Retention on the durable embedded mode's file (docs/adr/019, 020): an expired task's rows leave every table of the
/// file (its history line, its entry among the ended tasks, its grain state and its children's) and an expired
/// idempotency key's row goes too; a running task keeps its rows; parents kept by waiting children do not hold up
/// younger tasks.
/// </summary>
public sealed class SqliteRetentionTests
{
    [Fact]
    public async Task An_expired_task_and_its_children_and_key_leave_the_file_and_a_running_task_stays()
    {
        var folder = Directory.CreateTempSubdirectory("tasker-sqlite-retention-").FullName;
        try
        {
            await using (var silo = new SqliteRetentionFixture(folder))
            {
                var http = silo.CreateClient();
                var client = ApiTestExtensions.UniqueClient("ret-file");
                var database = Path.Combine(folder, "tasker.db");
                var running = await http.SubmitCountAsync(client, 100_000_000, delayMs: 50);
                var keyed = (await http.PostTaskAsync("sum2", """{"first":3,"second":4}""", client, Guid.NewGuid().ToString("N"))).Body.GetProperty("id").GetString()!;
                Assert.Equal(1, Count(database, "SELECT count(*) FROM tasker_grains WHERE grain_type = 'idempotency' AND payload_binary IS NOT NULL")); // Before its 2 s are up.
                var n = Random.Shared.Next(10, 10_000);
                var sequence = await http.SubmitAsync("sequence", $$"""{"n":{{n}}}""", client);
                await http.WaitForStatusAsync(sequence, "succeeded", TimeSpan.FromSeconds(30));
                Assert.True(Count(database, $"SELECT count(*) FROM tasker_grains WHERE grain_type = 'task' AND grain_id_extension LIKE '{sequence}.%' AND payload_binary IS NOT NULL") > 0);

                foreach (var id in new[] { keyed, sequence })
                {
                    await WaitAsync(async () => (await http.GetAsync($"/tasks/{id}")).StatusCode == HttpStatusCode.NotFound, $"task {id} to expire");
                }

                // The rows go at the end of the sweep that expired the tasks, and the key's at a sweep after its 2 s.
                await WaitAsync(
                    () => Task.FromResult(Count(database, "SELECT count(*) FROM tasker_grains WHERE grain_type IN ('task', 'idempotency')") == 1),
                    "only the running task's grain row to be left");
                Assert.Equal(1, Count(database, "SELECT count(*) FROM tasker_history"));
                Assert.Equal(0, Count(database, "SELECT count(*) FROM tasker_ended"));
                Assert.Equal("running", (await http.GetJsonAsync($"/tasks/{running}")).Body.Status());

                Assert.Equal(HttpStatusCode.OK, (await http.CommandAsync(running, "cancel")).Status);
                await WaitAsync(async () => (await http.GetAsync($"/tasks/{running}")).StatusCode == HttpStatusCode.NotFound, "the cancelled task to expire");
                await WaitAsync(() => Task.FromResult(Count(database, "SELECT count(*) FROM tasker_history") == 0), "the cancelled task's line to go");
                Assert.Equal(0, Count(database, "SELECT count(*) FROM tasker_ended"));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task More_parents_kept_by_waiting_children_than_a_sweep_batch_do_not_stop_a_younger_task_from_expiring()
    {
        var folder = Directory.CreateTempSubdirectory("tasker-sqlite-retention-").FullName;
        try
        {
            await using (var silo = new SqliteRetentionFixture(folder, ("Tasker:Retention:SweepBatch", "3"), ("Tasker:Retention:KeptRecheck", "00:00:01")))
            {
                var http = silo.CreateClient();
                var client = ApiTestExtensions.UniqueClient("ret-kept");
                var blocker = await http.SubmitCountAsync(client, 100_000_000, delayMs: 50);
                var parents = new List<string>();
                var children = new List<string>();
                for (var i = 0; i < 5; i++) // Two batches' worth of the oldest ended tasks, all kept.
                {
                    var parent = await http.SubmitAsync("sum2", $$"""{"first":{{i}},"second":1}""", client);
                    var (status, child) = await http.PostJsonAsync("/tasks", $$"""{"type":"sum-results","client":"{{client}}","after":["{{parent}}","{{blocker}}"]}""");
                    Assert.True(status == HttpStatusCode.Accepted, $"{(int)status}: {child}");
                    Assert.Equal("waiting", child.Status());
                    parents.Add(parent);
                    children.Add(child.GetProperty("id").GetString()!);
                }

                var younger = await http.SubmitAsync("sum2", """{"first":7,"second":8}""", client);
                await WaitAsync(async () => (await http.GetAsync($"/tasks/{younger}")).StatusCode == HttpStatusCode.NotFound, "the younger task to expire");
                foreach (var parent in parents)
                {
                    Assert.Equal("succeeded", (await http.GetJsonAsync($"/tasks/{parent}")).Body.Status()); // Kept by its child.
                }

                Assert.Equal(HttpStatusCode.OK, (await http.CommandAsync(blocker, "cancel")).Status);
                foreach (var id in children.Concat(parents))
                {
                    await WaitAsync(async () => (await http.GetAsync($"/tasks/{id}")).StatusCode == HttpStatusCode.NotFound, $"task {id} to expire once its child ended");
                }
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static long Count(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited in vain for {what}");
            await Task.Delay(200);
        }
    }

    /// <summary>An embedded silo on its own file, keeping ended tasks and keys 2 s and sweeping every 200 ms.</summary>
    private sealed class SqliteRetentionFixture(string folder, params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.UseQuickEmbeddedSilo()
                .UseSetting("Tasker:Embedded:Storage", "sqlite")
                .UseSetting("Tasker:Embedded:DataPath", folder)
                .UseSetting("Tasker:Files:Path", Path.Combine(folder, "files"))
                .UseSetting("Tasker:Retention:Succeeded", "00:00:02")
                .UseSetting("Tasker:Retention:Cancelled", "00:00:02")
                .UseSetting("Tasker:Retention:IdempotencyKeys", "00:00:02")
                .UseSetting("Tasker:Retention:SweepInterval", "00:00:00.200");
        }
    }
}
