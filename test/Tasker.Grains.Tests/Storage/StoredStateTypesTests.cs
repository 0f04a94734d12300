using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Tasker.Processes;
using Tasker.Tasks;

namespace Tasker.Grains.Tests.Storage;

/// <summary>
/// Stored state uses the grains' own types, not wire contracts; data stored before that change (when the contracts were
/// stored) must still read. Orleans writes a value of its declared type without a type name, so the stored fields
/// of a contract read into the state type with the same field ids.
/// </summary>
public sealed class StoredStateTypesTests
{
    private static readonly Serializer _serializer = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(TaskState).Assembly).AddAssembly(typeof(TaskProgress).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    [Fact]
    public void A_progress_stored_as_the_TaskProgress_contract_reads_as_the_state_type()
    {
        var stored = _serializer.SerializeToArray(new TaskProgress(41, 97));

        var read = _serializer.Deserialize<ProgressState>(stored);

        Assert.Equal(new ProgressState(41, 97), read);
    }

    [Fact]
    public void A_process_status_stored_as_the_ProcessEntry_contract_reads_as_the_state_type()
    {
        var since = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var stored = _serializer.SerializeToArray(new ProcessEntry("mult3", ProcessStatus.Suspended, "maintenance", since));

        var read = _serializer.Deserialize<ProcessRecord>(stored);

        Assert.Equal(new ProcessRecord("mult3", ProcessStatus.Suspended, "maintenance", since), read);
    }

    [Fact]
    public void The_state_types_turn_into_the_contracts_the_API_shows()
    {
        Assert.Equal(new TaskProgress(3, 4), new ProgressState(3, 4).ToProgress());
        Assert.Equal(new ProcessEntry("sum2", ProcessStatus.Error, "5 failures", null), new ProcessRecord("sum2", ProcessStatus.Error, "5 failures", null).ToEntry());
    }

    // Written by the code before TaskPhase left the grains' contracts for Tasker.Api (docs/adr/038), when it carried
    // [GenerateSerializer, Alias("tasker.TaskPhase")]: ParentEnd(Failed, "{\"sum\":3}") and ParentEnd(Waiting).
    [Theory]
    [InlineData("20E8001141137B2273756D223A337DE0", TaskPhase.Failed, "{\"sum\":3}")]
    [InlineData("20E8001DC101E0", TaskPhase.Waiting, null)]
    public void A_phase_stored_while_the_enum_had_Orleans_attributes_still_reads(string stored, TaskPhase phase, string? result)
    {
        var read = _serializer.Deserialize<ParentEnd>(Convert.FromHexString(stored));

        Assert.Equal(new ParentEnd(phase, result), read);
    }

    [Fact]
    public void A_phase_written_now_reads_back_the_same()
    {
        foreach (var phase in Enum.GetValues<TaskPhase>())
        {
            Assert.Equal(new ParentEnd(phase), _serializer.Deserialize<ParentEnd>(_serializer.SerializeToArray(new ParentEnd(phase))));
        }
    }
}
