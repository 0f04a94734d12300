using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using Tasker.Silo.Cluster;
using Tasker.Silo.Embedded;
using Tasker.Silo.Secrets;
using Tasker.Tasks;

namespace Tasker.Cluster.Tests;

/// <summary>Grain state in PostgreSQL (Cluster/Sql/postgres-schema.sql, docs/adr/011), against the real server.</summary>
[Collection(ServersCollection.Name)]
public sealed class PostgresGrainStorageTests(ClusterServers servers) : GrainStorageContractTests
{
    protected override void AddStorage(ISiloBuilder silo) => silo.AddTaskerPostgresStorage(servers.Postgres);

    protected override IGrainStorage Provider(IGrainStorage registered) => Assert.IsType<PostgresGrainStorage>(registered).Inner;

    protected override DbConnection Connect() => new NpgsqlConnection(servers.Postgres);

    protected override string JumpToLargestVersionSql =>
        "UPDATE tasker_grains SET version = 2147483647 WHERE service_id = @ServiceId AND grain_type = @GrainType AND version = 1 AND modified_on > now() - interval '1 minute'";
}

/// <summary>Grain state in the durable embedded mode's SQLite file (Embedded/Sql/sqlite-schema.sql, docs/adr/019).</summary>
public sealed class SqliteGrainStorageTests : GrainStorageContractTests, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tasker-sqlite-").FullName;
    private SqliteDatabase? _database;

    protected override void AddStorage(ISiloBuilder silo)
    {
        _database = SqliteDatabase.Open(Path.Combine(_folder, "tasker.db"));
        silo.AddTaskerSqliteStorage(_database);
    }

    protected override IGrainStorage Provider(IGrainStorage registered) => Assert.IsType<SqliteGrainStorage>(registered).Inner;

    protected override DbConnection Connect() => new SqliteConnection(_database!.ConnectionString);

    protected override string JumpToLargestVersionSql =>
        "UPDATE tasker_grains SET version = 2147483647 WHERE service_id = @ServiceId AND grain_type = @GrainType AND version = 1";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>
/// The contract of Orleans' ADO.NET grain storage with Tasker's own queries for it, the same for every database it
/// runs on: each database's class says how to reach it, in a one-silo test cluster.
/// </summary>
public abstract class GrainStorageContractTests : IAsyncLifetime
{
    private readonly string _serviceId = "adonet-" + Guid.NewGuid().ToString("N")[..8];
    private InProcessTestCluster _cluster = null!;

    /// <summary>Registers the grain storage named <see cref="TaskerStorage.Name"/> on the database under test.</summary>
    protected abstract void AddStorage(ISiloBuilder silo);

    /// <summary>A connection to the database under test, not yet open.</summary>
    protected abstract DbConnection Connect();

    /// <summary>Sets the just written row's version (parameters @ServiceId, @GrainType) to 2147483647.</summary>
    protected abstract string JumpToLargestVersionSql { get; }

    /// <summary>The ADO.NET provider behind the registered storage.</summary>
    protected virtual IGrainStorage Provider(IGrainStorage registered) => registered;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = _serviceId;
        builder.ConfigureSilo((_, silo) =>
        {
            AddStorage(silo);
            silo.UseInMemoryReminderService();
            silo.Services.AddTaskerSecrets(Tasker.Silo.Hosting.TaskerMode.Embedded);
            silo.AddTaskerGrains();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IServiceProvider Silo => _cluster.Silos[0].ServiceProvider;

    private IGrainStorage Storage => Silo.GetRequiredKeyedService<IGrainStorage>(TaskerStorage.Name);

    /// <summary>Where short tasks' first writes go: grouped statements in PostgreSQL (docs/adr/026), the storage elsewhere.</summary>
    private INewTaskStore NewTasks => Silo.GetRequiredService<INewTaskStore>();

    private static GrainId TaskGrainId(string id) => GrainId.Create("task", id);

    private static GrainState<TaskState> Task(string client) => new(new TaskState { Exists = true, Type = "sum2", Client = client });

    private async Task<GrainState<TaskState>> ReadAsync(string id)
    {
        var read = new GrainState<TaskState>(new TaskState());
        await Storage.ReadStateAsync(TaskGrain.StateName, TaskGrainId(id), read);
        return read;
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    [Fact]
    public void The_silo_stores_grain_state_through_Orleans_AdoNet_grain_storage()
    {
        Assert.IsType<AdoNetGrainStorage>(Provider(Storage));
    }

    [Fact]
    public async Task A_submitted_task_is_a_row_that_the_providers_own_read_query_returns()
    {
        var id = TaskIds.New();
        var submitted = await _cluster.Client.GetGrain<ITaskGrain>(id)
            .SubmitAsync(new TaskSubmission("sum2", """{"first":20,"second":22}""", "adonet", TaskPriority.Normal));
        Assert.Equal(TaskPhase.Succeeded, submitted.Phase);

        await using var database = Connect();
        await database.OpenAsync();
        string query;
        await using (var lookup = database.CreateCommand())
        {
            lookup.CommandText = "SELECT querytext FROM orleansquery WHERE querykey = 'ReadFromStorageKey'";
            query = (string)(await lookup.ExecuteScalarAsync())!;
        }

        // The provider's key for a grain whose key is a GUID in its 32-digit form, as task ids are: two halves.
        var key = Guid.ParseExact(id, "N").ToByteArray();
        await using var read = database.CreateCommand();
        read.CommandText = query;
        Add(read, "@ServiceId", _serviceId);
        Add(read, "@GrainTypeString", TaskGrain.StateName);
        Add(read, "@GrainIdExtensionString", null);
        Add(read, "@GrainIdN0", BitConverter.ToInt64(key, 0));
        Add(read, "@GrainIdN1", BitConverter.ToInt64(key, 8));
        await using var row = await read.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync(), "the task has no row in tasker_grains");

        var state = Silo.GetRequiredService<Serializer>().Deserialize<TaskState>((byte[])row["PayloadBinary"])!;
        Assert.Equal("adonet", state.Client);
        Assert.Equal("sum2", state.Type);
        Assert.Equal(TaskPhase.Succeeded, state.Phase);
        Assert.Equal("42", state.ResultJson);
        Assert.Equal((await ReadAsync(id)).ETag, Convert.ToInt32(row["Version"], System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(await row.ReadAsync());
    }

    [Fact]
    public async Task Many_first_writes_at_once_are_all_stored_and_read_back()
    {
        var ids = Enumerable.Range(0, 200).Select(_ => TaskIds.New()).ToList();
        var states = ids.Select((_, i) => Task("client-" + i)).ToList();

        await System.Threading.Tasks.Task.WhenAll(ids.Select((id, i) => Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(id), states[i])));

        Assert.All(states, s => Assert.Equal("1", s.ETag));
        for (var i = 0; i < ids.Count; i += 37)
        {
            var read = await ReadAsync(ids[i]);
            Assert.True(read.RecordExists);
            Assert.Equal("client-" + i, read.State!.Client);
            Assert.Equal("1", read.ETag);
        }
    }

    [Fact]
    public async Task Writes_of_many_grains_at_once_some_under_a_stale_version_each_get_their_own_answer()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => TaskIds.New()).ToList();
        var holders = ids.Select((_, i) => Task("client-" + i)).ToList();
        await System.Threading.Tasks.Task.WhenAll(ids.Select((id, i) => Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(id), holders[i])));

        // Every other write comes as a first write, which the stored row refuses; the rest under the version read.
        var again = ids.Select((_, i) => i % 2 == 0 ? holders[i] : Task("stale-" + i)).ToList();
        again.ForEach(holder => holder.State!.Client = holder.State.Client.Replace("client-", "second-", StringComparison.Ordinal));
        var outcomes = await System.Threading.Tasks.Task.WhenAll(ids.Select(async (id, i) =>
        {
            try
            {
                await Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(id), again[i]);
                return "stored";
            }
            catch (InconsistentStateException)
            {
                return "refused";
            }
        }));

        for (var i = 0; i < ids.Count; i++)
        {
            var read = await ReadAsync(ids[i]);
            Assert.Equal((i % 2 == 0 ? "stored" : "refused", i % 2 == 0 ? "second-" + i : "client-" + i), (outcomes[i], read.State!.Client));
            Assert.Equal(i % 2 == 0 ? "2" : "1", read.ETag);
        }

        Assert.All(Enumerable.Range(0, ids.Count).Where(i => i % 2 == 0), i => Assert.Equal("2", again[i].ETag));
    }

    [Fact]
    public async Task Of_two_first_writes_of_one_grain_at_once_one_is_stored_and_the_other_refused()
    {
        var id = TaskGrainId(TaskIds.New());

        var writes = new[] { "first", "second" }.Select(client => Storage.WriteStateAsync(TaskGrain.StateName, id, Task(client))).ToList();
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
    public async Task New_tasks_stored_at_once_are_read_back_by_the_provider_as_version_1_whatever_the_form_of_their_key()
    {
        // Task ids are GUIDs in their 32-digit form; a key extension, a number and free text take the provider's other
        // key forms, which a grouped first write must store exactly as the provider would look them up.
        string[] otherKeys = [TaskIds.New() + "+extension", "4660", "text-" + Guid.NewGuid().ToString("N")];
        var ids = Enumerable.Range(0, 200).Select(_ => TaskIds.New()).Concat(otherKeys).ToList();

        await System.Threading.Tasks.Task.WhenAll(ids.Select((id, i) => NewTasks.InsertAsync(TaskGrainId(id), Task("client-" + i).State!)));

        for (var i = 0; i < ids.Count; i++)
        {
            var read = await ReadAsync(ids[i]);
            Assert.True(read.RecordExists, $"task {ids[i]} is not found by the provider");
            Assert.Equal("client-" + i, read.State!.Client);
            Assert.Equal("1", read.ETag);
        }

        // The grain's own next write goes on from that version.
        var holder = await ReadAsync(ids[^1]);
        holder.State!.Phase = TaskPhase.Succeeded;
        await Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(ids[^1]), holder);
        Assert.Equal("2", holder.ETag);
    }

    [Fact]
    public async Task A_new_task_whose_grain_has_a_state_already_is_refused_and_the_state_stays()
    {
        var id = TaskIds.New();
        await Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(id), Task("first"));

        await Assert.ThrowsAsync<InconsistentStateException>(() => NewTasks.InsertAsync(TaskGrainId(id), Task("second").State!));
        Assert.Equal("first", (await ReadAsync(id)).State!.Client);

        // Two new tasks of one id at once (in one grouped statement, where writes are grouped): one stored, one refused.
        var twice = TaskGrainId(TaskIds.New());
        var outcomes = await System.Threading.Tasks.Task.WhenAll(new[] { "one", "other" }.Select(async client =>
        {
            try
            {
                await NewTasks.InsertAsync(twice, Task(client).State!);
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
    public async Task A_write_or_clear_with_an_old_version_is_refused_and_a_cleared_state_keeps_its_version()
    {
        var id = TaskIds.New();
        var holder = Task("holder");
        await Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(id), holder);
        var stale = await ReadAsync(id);

        holder.State!.Phase = TaskPhase.Succeeded;
        await Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(id), holder);
        Assert.Equal("2", holder.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(id), stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(TaskGrain.StateName, TaskGrainId(id), stale));

        await Storage.ClearStateAsync(TaskGrain.StateName, TaskGrainId(id), holder);
        var read = await ReadAsync(id);
        Assert.False(read.State!.Exists);
        Assert.Equal("3", read.ETag); // The version goes on, so an old holder can never match it again.
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(id), Task("late first write")));
    }

    [Fact]
    public async Task The_version_goes_from_its_largest_value_back_to_1_instead_of_overflowing()
    {
        var id = TaskIds.New();
        var holder = Task("wrap");
        await Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(id), holder);
        await using (var database = Connect())
        {
            await database.OpenAsync();
            await using var jump = database.CreateCommand();
            jump.CommandText = JumpToLargestVersionSql;
            Add(jump, "@ServiceId", _serviceId);
            Add(jump, "@GrainType", TaskGrain.StateName);
            Assert.Equal(1, await jump.ExecuteNonQueryAsync());
        }

        var current = await ReadAsync(id);
        Assert.Equal("2147483647", current.ETag);
        current.State!.Phase = TaskPhase.Succeeded;
        await Storage.WriteStateAsync(TaskGrain.StateName, TaskGrainId(id), current);

        Assert.Equal("1", current.ETag);
        Assert.Equal(TaskPhase.Succeeded, (await ReadAsync(id)).State!.Phase);
    }
}
