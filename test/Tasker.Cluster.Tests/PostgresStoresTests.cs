using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;
using Tasker.Silo.Cluster;
using Tasker.Tasks;

namespace Tasker.Cluster.Tests;

/// <summary>
/// The PostgreSQL grain storage and history store on their own, against the real server: writes that arrive
/// together are grouped into one statement, and grouping must not change what each caller is told.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class PostgresStoresTests(ClusterServers servers) : IAsyncLifetime
{
    private readonly IOptions<ClusterOptions> _service = Options.Create(new ClusterOptions { ServiceId = "stores-" + Guid.NewGuid().ToString("N")[..8] });
    private NpgsqlDataSource _database = null!;
    private ServiceProvider _serialization = null!;

    public async Task InitializeAsync()
    {
        await PostgresSchema.EnsureAsync(servers.Postgres, CancellationToken.None);
        _database = NpgsqlDataSource.Create(servers.Postgres);
        _serialization = new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(TaskState).Assembly)).BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _serialization.DisposeAsync();
    }

    private PostgresGrainStorage NewStorage() =>
        new(_database, new OrleansGrainStorageSerializer(_serialization.GetRequiredService<Serializer>()), _service);

    private PostgresHistoryStore NewHistory(int cap = 1_000) =>
        new(_database, _service, Options.Create(new TaskerOptions { MaxHistoryPerClient = cap }));

    private static GrainState<TaskState> Task(string client) => new(new TaskState { Exists = true, Type = "sum2", Client = client });

    private static ClientTaskEntry Line(string id, TaskPhase phase) => new(id, "sum2", phase, false, DateTimeOffset.UtcNow, null);

    [Fact]
    public async Task Many_first_writes_at_once_are_all_stored_and_read_back()
    {
        await using var storage = NewStorage();
        var ids = Enumerable.Range(0, 200).Select(i => GrainId.Create("task", TaskIds.New())).ToList();
        var states = ids.Select((_, i) => Task("client-" + i)).ToList();

        await System.Threading.Tasks.Task.WhenAll(ids.Select((id, i) => storage.WriteStateAsync("task", id, states[i])));

        Assert.All(states, s => Assert.Equal("1", s.ETag));
        for (var i = 0; i < ids.Count; i += 37)
        {
            var read = new GrainState<TaskState>(new TaskState());
            await storage.ReadStateAsync("task", ids[i], read);
            Assert.True(read.RecordExists);
            Assert.Equal("client-" + i, read.State!.Client);
            Assert.Equal("1", read.ETag);
        }
    }

    [Fact]
    public async Task Of_two_first_writes_of_one_grain_at_once_one_is_stored_and_the_other_refused()
    {
        await using var storage = NewStorage();
        var id = GrainId.Create("task", TaskIds.New());

        var writes = new[] { "first", "second" }.Select(client => storage.WriteStateAsync("task", id, Task(client))).ToList();
        var outcomes = await System.Threading.Tasks.Task.WhenAll(writes.Select(async w =>
        {
            try
            {
                await w;
                return "stored";
            }
            catch (InconsistentStateException)
            {
                return "refused";
            }
        }));

        Assert.Equal(["refused", "stored"], outcomes.Order());
    }

    [Fact]
    public async Task A_write_or_clear_with_an_old_version_is_refused_and_a_cleared_state_reads_as_missing()
    {
        await using var storage = NewStorage();
        var id = GrainId.Create("task", TaskIds.New());
        var holder = Task("holder");
        await storage.WriteStateAsync("task", id, holder);
        var stale = new GrainState<TaskState>(new TaskState());
        await storage.ReadStateAsync("task", id, stale);

        holder.State!.Phase = TaskPhase.Succeeded;
        await storage.WriteStateAsync("task", id, holder);
        Assert.Equal("2", holder.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("task", id, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("task", id, stale));

        await storage.ClearStateAsync("task", id, holder);
        var read = new GrainState<TaskState>(new TaskState { Exists = true });
        await storage.ReadStateAsync("task", id, read);
        Assert.False(read.RecordExists);
        Assert.False(read.State!.Exists);
        Assert.Equal("3", read.ETag); // The version goes on, so an old holder can never match it again.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("task", id, Task("late first write")));
    }

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
    public async Task A_client_history_is_trimmed_to_its_cap_each_hundredth_line_and_counts_every_line()
    {
        await using var history = NewHistory(cap: 10);
        // Ids made in one millisecond are not ordered among themselves: sorted, they are recorded oldest first.
        var ids = Enumerable.Range(0, 250).Select(_ => TaskIds.New()).Order(StringComparer.Ordinal).ToList();
        foreach (var id in ids)
        {
            await history.RecordAsync("trimmed", Line(id, TaskPhase.Succeeded));
        }

        var page = await history.QueryAsync("trimmed", new HistoryQuery(500));
        Assert.Equal(250, page.TotalRecorded);
        Assert.Equal(ids.Skip(190).Reverse(), page.Entries.Select(e => e.TaskId)); // 10 kept at the 200th, then 50 more.
    }
}
