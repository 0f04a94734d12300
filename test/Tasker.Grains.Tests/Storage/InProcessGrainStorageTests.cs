using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Tasker.Storage;
using Tasker.Tasks;

namespace Tasker.Grains.Tests.Storage;

/// <summary>
/// Embedded mode's memory storage keeps the promises every Tasker storage keeps: a write without an ETag only inserts,
/// a stale ETag is refused, a cleared state is gone, and what is stored is a copy the grain cannot change by accident.
/// </summary>
public sealed class InProcessGrainStorageTests
{
    private static readonly Serializer _serializer = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(TaskState).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private readonly InProcessGrainStorage _storage = new(_serializer);
    private readonly GrainId _grain = GrainId.Create("task", "t-1");

    private static GrainState<TaskState> State(string client, string? etag = null) =>
        new(new TaskState { Client = client, Type = "sum2" }) { ETag = etag };

    [Fact]
    public async Task A_write_without_an_ETag_inserts_and_a_second_one_is_refused()
    {
        var first = State("alice");
        await _storage.WriteStateAsync("task", _grain, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("task", _grain, State("mallory")));

        var read = new GrainState<TaskState>(new TaskState());
        await _storage.ReadStateAsync("task", _grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal("alice", read.State!.Client);
        Assert.Equal(first.ETag, read.ETag);
    }

    [Fact]
    public async Task A_write_with_the_ETag_read_succeeds_and_makes_the_old_ETag_stale()
    {
        var written = State("alice");
        await _storage.WriteStateAsync("task", _grain, written);
        var staleETag = written.ETag;

        written.State!.Client = "bob";
        await _storage.WriteStateAsync("task", _grain, written);

        Assert.NotEqual(staleETag, written.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("task", _grain, State("carol", staleETag)));
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync("task", _grain, State("carol", staleETag)));
    }

    [Fact]
    public async Task A_write_with_an_ETag_to_a_state_that_is_gone_is_refused()
    {
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("task", _grain, State("alice", "7")));
        Assert.Equal(0, _storage.Count);
    }

    [Fact]
    public async Task A_cleared_state_is_removed_whole_and_the_id_can_be_written_again()
    {
        var written = State("alice");
        await _storage.WriteStateAsync("task", _grain, written);

        await _storage.ClearStateAsync("task", _grain, written);

        Assert.False(written.RecordExists);
        Assert.Null(written.ETag);
        Assert.Equal(0, _storage.Count);
        var read = new GrainState<TaskState>(new TaskState());
        await _storage.ReadStateAsync("task", _grain, read);
        Assert.False(read.RecordExists);
        await _storage.WriteStateAsync("task", _grain, State("bob"));
        Assert.Equal(1, _storage.Count);
    }

    [Fact]
    public async Task Changes_to_a_state_object_after_a_write_or_a_read_do_not_reach_the_stored_state()
    {
        var written = State("alice");
        await _storage.WriteStateAsync("task", _grain, written);
        written.State!.Client = "changed after the write";

        var read = new GrainState<TaskState>(new TaskState());
        await _storage.ReadStateAsync("task", _grain, read);
        read.State!.Type = "changed after the read";

        var again = new GrainState<TaskState>(new TaskState());
        await _storage.ReadStateAsync("task", _grain, again);
        Assert.Equal("alice", again.State!.Client);
        Assert.Equal("sum2", again.State!.Type);
    }

    [Fact]
    public async Task States_of_other_names_or_grains_are_apart()
    {
        await _storage.WriteStateAsync("task", _grain, State("alice"));
        await _storage.WriteStateAsync("other", _grain, State("bob"));
        await _storage.WriteStateAsync("task", GrainId.Create("task", "t-2"), State("carol"));

        var read = new GrainState<TaskState>(new TaskState());
        await _storage.ReadStateAsync("other", _grain, read);
        Assert.Equal("bob", read.State!.Client);
        Assert.Equal(3, _storage.Count);
    }
}
