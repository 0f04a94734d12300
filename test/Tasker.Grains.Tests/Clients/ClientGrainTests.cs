namespace Tasker.Grains.Tests.Clients;

[Collection(ClusterCollection.Name)]
public sealed class ClientGrainTests(ClusterFixture fixture)
{
    private static ClientTaskEntry Entry(string id, TaskPhase phase = TaskPhase.Succeeded) =>
        new(id, "sum2", phase, false, DateTimeOffset.UtcNow, null);

    [Fact]
    public async Task History_is_newest_first_and_trimmed_to_its_cap()
    {
        var client = fixture.Grains.GetGrain<IClientGrain>("history-cap-" + Guid.NewGuid().ToString("N")[..8]);
        var ids = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            var id = TaskIds.New();
            ids.Add(id);
            await client.RecordAsync(Entry(id));
            await Task.Delay(2); // Ids are time-ordered to the millisecond.
        }

        var page = await client.QueryAsync(new HistoryQuery(100));
        Assert.Equal(25, page.TotalRecorded);
        Assert.Equal(20, page.Entries.Count); // The fixture's cap.
        Assert.Equal(ids.AsEnumerable().Reverse().Take(20), page.Entries.Select(e => e.TaskId));
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task Pages_follow_the_cursor_without_gaps_or_repeats()
    {
        var client = fixture.Grains.GetGrain<IClientGrain>("history-page-" + Guid.NewGuid().ToString("N")[..8]);
        for (var i = 0; i < 7; i++)
        {
            await client.RecordAsync(Entry(TaskIds.New()));
            await Task.Delay(2);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.QueryAsync(new HistoryQuery(3, cursor));
            seen.AddRange(page.Entries.Select(e => e.TaskId));
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal(7, seen.Count);
        Assert.Equal(seen.OrderByDescending(id => id, StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task Recording_a_task_again_updates_its_line_instead_of_adding_one()
    {
        var client = fixture.Grains.GetGrain<IClientGrain>("history-update-" + Guid.NewGuid().ToString("N")[..8]);
        var id = TaskIds.New();
        await client.RecordAsync(Entry(id, TaskPhase.Running));
        await client.RecordAsync(Entry(id, TaskPhase.Succeeded));

        var page = await client.QueryAsync(new HistoryQuery(10));
        Assert.Equal(TaskPhase.Succeeded, Assert.Single(page.Entries).Phase);
        Assert.Equal(1, page.TotalRecorded);
        Assert.Empty((await client.QueryAsync(new HistoryQuery(10, Phase: TaskPhase.Running))).Entries);
    }
}
