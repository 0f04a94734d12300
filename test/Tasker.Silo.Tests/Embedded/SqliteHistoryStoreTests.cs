using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Tasker.Silo.Embedded;

namespace Tasker.Silo.Tests;

/// <summary>The durable embedded file's history on its own.</summary>
public sealed class SqliteHistoryStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tasker-history.").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ClientTaskEntry Line(string id, TaskPhase phase) =>
        new(id, "count", phase, false, DateTimeOffset.UtcNow, phase.IsFinal() ? DateTimeOffset.UtcNow : null);

    [Fact]
    public async Task An_ended_line_is_not_overwritten_by_an_earlier_phase_that_arrives_late_nor_woken_at_start_up()
    {
        using var database = SqliteDatabase.Open(Path.Combine(_folder, "tasker.db"));
        await using var history = new SqliteHistoryStore(
            database, Options.Create(new ClusterOptions { ServiceId = "late" }), Options.Create(new TaskerOptions()));
        var id = TaskIds.New();
        await history.RecordAsync("late", Line(id, TaskPhase.Running));
        await history.RecordAsync("late", Line(id, TaskPhase.Succeeded));

        await history.RecordAsync("late", Line(id, TaskPhase.Running)); // a progress line of a run gone by

        Assert.Equal(TaskPhase.Succeeded, (await history.QueryAsync("late", new HistoryQuery(10))).Entries.Single().Phase);
        Assert.DoesNotContain(await history.UnfinishedAsync(CancellationToken.None), t => t.TaskId == id);
    }
}
