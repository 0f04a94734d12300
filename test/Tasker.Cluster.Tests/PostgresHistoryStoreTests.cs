using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Tasker.Silo.Cluster;

namespace Tasker.Cluster.Tests;

/// <summary>
/// The PostgreSQL history store on its own, against the real server: lines that arrive together are grouped into
/// one statement, and grouping must not change what each caller is told.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class PostgresHistoryStoreTests(ClusterServers servers) : IAsyncLifetime
{
    private readonly IOptions<ClusterOptions> _service = Options.Create(new ClusterOptions { ServiceId = "stores-" + Guid.NewGuid().ToString("N")[..8] });
    private NpgsqlDataSource _database = null!;

    public async Task InitializeAsync()
    {
        await PostgresSchema.EnsureAsync(servers.Postgres, CancellationToken.None);
        _database = NpgsqlDataSource.Create(servers.Postgres);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private PostgresHistoryStore NewHistory(int cap = 1_000) =>
        new(_database, _service, Options.Create(new TaskerOptions { MaxHistoryPerClient = cap }));

    private static ClientTaskEntry Line(string id, TaskPhase phase) => new(id, "sum2", phase, false, DateTimeOffset.UtcNow, null);

    [Fact]
    public async Task History_lines_recorded_at_once_are_all_listed_and_a_later_phase_replaces_the_earlier_one()
    {
        await using var history = NewHistory();
        var clients = new[] { "alpha", "beta", "gamma" };
        var ids = Enumerable.Range(0, 90).Select(_ => TaskIds.New()).ToList();

        await System.Threading.Tasks.Task.WhenAll(ids.Select((id, i) => history.RecordAsync(clients[i % 3], Line(id, TaskPhase.Running))));
        await history.RecordAsync("alpha", Line(ids[0], TaskPhase.Succeeded));

        foreach (var client in clients)
        {
            var page = await history.QueryAsync(client, new HistoryQuery(500));
            Assert.Equal(30, page.Entries.Count);
            Assert.Equal(30, page.TotalRecorded);
            Assert.Equal(page.Entries.Select(e => e.TaskId).OrderDescending(StringComparer.Ordinal), page.Entries.Select(e => e.TaskId));
        }

        var alpha = await history.QueryAsync("alpha", new HistoryQuery(500));
        Assert.Equal(TaskPhase.Succeeded, alpha.Entries.Single(e => e.TaskId == ids[0]).Phase);
    }

    [Fact]
    public async Task An_ended_line_is_not_overwritten_by_an_earlier_phase_that_arrives_late()
    {
        await using var history = NewHistory();
        var id = TaskIds.New();
        await history.RecordAsync("late", Line(id, TaskPhase.Running));
        await history.RecordAsync("late", Line(id, TaskPhase.Cancelled));

        await history.RecordAsync("late", Line(id, TaskPhase.Paused)); // another silo's older line, written late

        Assert.Equal(TaskPhase.Cancelled, (await history.QueryAsync("late", new HistoryQuery(10))).Entries.Single().Phase);
    }

    [Fact]
    public async Task A_client_history_is_trimmed_to_its_cap_each_hundredth_line_and_counts_every_line()
    {
        await using var history = NewHistory(cap: 10);
        var ids = Enumerable.Range(0, 250).Select(_ => TaskIds.New()).ToList(); // Oldest first: ids sort as they were made.
        foreach (var id in ids)
        {
            await history.RecordAsync("trimmed", Line(id, TaskPhase.Succeeded));
        }

        var page = await history.QueryAsync("trimmed", new HistoryQuery(500));
        Assert.Equal(250, page.TotalRecorded);
        Assert.Equal(ids.Skip(190).Reverse(), page.Entries.Select(e => e.TaskId)); // 10 kept at the 200th, then 50 more.
    }

    [Fact]
    public async Task Listing_across_clients_is_one_query_newest_first_with_filters_cursor_and_progress()
    {
        await using var history = NewHistory();
        var ids = Enumerable.Range(0, 40).Select(_ => TaskIds.New()).Order(StringComparer.Ordinal).ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            var phase = i % 4 == 0 ? TaskPhase.Running : TaskPhase.Succeeded;
            await history.RecordAsync($"client-{i % 7}", Line(ids[i], phase) with { Progress = new TaskProgress(i, 40), Priority = TaskPriority.High });
        }

        var everything = await history.QueryAllAsync(new HistoryQuery(500));
        Assert.Equal(Enumerable.Reverse(ids), everything.Items.Select(t => t.Entry.TaskId));
        Assert.Null(everything.Next);
        Assert.Equal("client-4", everything.Items.Single(t => t.Entry.TaskId == ids[39]).Client);
        Assert.Equal(new TaskProgress(39, 40), everything.Items[0].Entry.Progress);
        Assert.Equal(TaskPriority.High, everything.Items[0].Entry.Priority);

        var running = new List<string>();
        var query = new HistoryQuery(3, Phase: TaskPhase.Running, Type: "sum2");
        for (var page = await history.QueryAllAsync(query); ; page = await history.QueryAllAsync(query with { Before = page.Next }))
        {
            running.AddRange(page.Items.Select(t => t.Entry.TaskId));
            if (page.Next is null)
            {
                break;
            }
        }

        Assert.Equal(ids.Where((_, i) => i % 4 == 0).Reverse(), running);
        Assert.Empty((await history.QueryAllAsync(new HistoryQuery(10, Type: "mult3"))).Items);
    }
}
