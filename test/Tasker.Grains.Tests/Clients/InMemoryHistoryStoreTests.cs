using Microsoft.Extensions.Options;
using Tasker.Clients;

namespace Tasker.Grains.Tests.Clients;

/// <summary>Embedded mode's history store on its own: one index across all clients, kept in step with each client's.</summary>
public sealed class InMemoryHistoryStoreTests
{
    private static InMemoryHistoryStore NewStore(int cap = 1_000) => new(Options.Create(new TaskerOptions { MaxHistoryPerClient = cap }));

    private static ClientTaskEntry Line(string id, TaskPhase phase = TaskPhase.Succeeded, string type = "sum2", TaskProgress? progress = null) =>
        new(id, type, phase, false, DateTimeOffset.UtcNow, null, progress);

    /// <summary>Ids, oldest first (they sort as they were made).</summary>
    private static List<string> NewIds(int count) => [.. Enumerable.Range(0, count).Select(_ => TaskIds.New())];

    [Fact]
    public async Task A_postponed_ended_task_leaves_the_head_of_the_expired_to_younger_ones_until_its_new_time_has_expired()
    {
        var store = NewStore();
        var ids = NewIds(3);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < ids.Count; i++)
        {
            await store.RecordAsync("kept", new ClientTaskEntry(ids[i], "sum2", TaskPhase.Succeeded, false, now.AddMinutes(-10), now.AddMinutes(-9 + i), null));
        }

        static ExpiryQuery At(DateTimeOffset cutOff) => new(cutOff, cutOff, cutOff, MaxEnded: 1_000, Limit: 10);
        var oldest = (await store.FindExpiredAsync(At(now))).First();
        Assert.Equal(ids[0], oldest.TaskId);

        await store.PostponeAsync([oldest with { FinishedAt = now.AddMinutes(5) }]);

        Assert.Equal([ids[1], ids[2]], (await store.FindExpiredAsync(At(now))).Select(t => t.TaskId));
        Assert.Equal([ids[1], ids[2]], (await store.FindExpiredAsync(At(now.AddMinutes(5)))).Select(t => t.TaskId));
        var again = (await store.FindExpiredAsync(At(now.AddMinutes(6)))).Last();
        Assert.Equal((ids[0], "kept", TaskPhase.Succeeded), (again.TaskId, again.Client, again.Phase));

        await store.ForgetAsync("kept", ids[0]);
        await store.PostponeAsync([oldest with { FinishedAt = now.AddMinutes(-20) }]); // A task forgotten in between stays forgotten.
        Assert.DoesNotContain(ids[0], (await store.FindExpiredAsync(At(now.AddMinutes(6)))).Select(t => t.TaskId));
    }

    [Fact]
    public async Task An_ended_line_is_not_overwritten_by_an_earlier_phase_that_arrives_late()
    {
        var store = NewStore();
        var id = TaskIds.New();
        await store.RecordAsync("late", Line(id, TaskPhase.Running));
        await store.RecordAsync("late", Line(id, TaskPhase.Succeeded));

        await store.RecordAsync("late", Line(id, TaskPhase.Running)); // a progress line of a run gone by

        Assert.Equal(TaskPhase.Succeeded, (await store.QueryAsync("late", new HistoryQuery(10))).Entries.Single().Phase);
    }

    [Fact]
    public async Task Listing_across_clients_takes_every_client_however_many_and_is_newest_first()
    {
        var store = NewStore();
        var ids = NewIds(25_000); // Well past the 10,000 clients the old directory refused beyond.
        for (var i = 0; i < ids.Count; i++)
        {
            await store.RecordAsync($"client-{i}", Line(ids[i]));
        }

        var page = await store.QueryAllAsync(new HistoryQuery(500));

        Assert.Equal(Enumerable.Reverse(ids).Take(500), page.Items.Select(t => t.Entry.TaskId));
        Assert.Equal($"client-{ids.Count - 1}", page.Items[0].Client);
        Assert.Equal(ids[^500], page.Next);
    }

    [Fact]
    public async Task Listing_across_clients_pages_by_cursor_over_matching_lines_without_gaps_or_repeats()
    {
        var store = NewStore();
        var ids = NewIds(60);
        for (var i = 0; i < ids.Count; i++)
        {
            await store.RecordAsync(i % 2 == 0 ? "even" : "odd", Line(ids[i], i % 3 == 0 ? TaskPhase.Running : TaskPhase.Succeeded, i % 5 == 0 ? "mult3" : "sum2"));
        }

        var query = new HistoryQuery(4, Phase: TaskPhase.Running, Type: "sum2");
        var seen = new List<string>();
        for (var page = await store.QueryAllAsync(query); ; page = await store.QueryAllAsync(query with { Before = page.Next }))
        {
            seen.AddRange(page.Items.Select(t => t.Entry.TaskId));
            Assert.True(seen.Count <= 60, "the cursor never ends");
            if (page.Next is null)
            {
                break;
            }
        }

        var expected = ids.Where((_, i) => i % 3 == 0 && i % 5 != 0).Reverse();
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task A_recorded_again_line_updates_its_phase_and_progress_in_both_listings()
    {
        var store = NewStore();
        var id = TaskIds.New();
        await store.RecordAsync("progress", Line(id, TaskPhase.Running, "count", new TaskProgress(0, 100)));
        await store.RecordAsync("progress", Line(id, TaskPhase.Running, "count", new TaskProgress(40, 100)));

        var all = Assert.Single((await store.QueryAllAsync(new HistoryQuery(10, Type: "count"))).Items);
        var mine = Assert.Single((await store.QueryAsync("progress", new HistoryQuery(10))).Entries);
        Assert.Equal(new TaskProgress(40, 100), all.Entry.Progress);
        Assert.Equal(new TaskProgress(40, 100), mine.Progress);
        Assert.Equal(1, (await store.QueryAsync("progress", new HistoryQuery(10))).TotalRecorded);
    }

    [Fact]
    public async Task Trimmed_and_forgotten_lines_leave_the_listing_across_clients_too()
    {
        var store = NewStore(cap: 10);
        var ids = NewIds(15);
        foreach (var id in ids)
        {
            await store.RecordAsync("trimmed", Line(id));
        }

        await store.ForgetAsync("trimmed", ids[^1]);

        var all = await store.QueryAllAsync(new HistoryQuery(100));
        Assert.Equal(ids.Skip(5).SkipLast(1).Reverse(), all.Items.Select(t => t.Entry.TaskId));
        Assert.Equal(15, (await store.QueryAsync("trimmed", new HistoryQuery(100))).TotalRecorded);
    }

    [Fact]
    public async Task A_cursor_older_than_every_line_gives_an_empty_last_page()
    {
        var store = NewStore();
        var ids = NewIds(3);
        foreach (var id in ids.Skip(1))
        {
            await store.RecordAsync("old", Line(id));
        }

        var page = await store.QueryAllAsync(new HistoryQuery(10, Before: ids[0]));

        Assert.Empty(page.Items);
        Assert.Null(page.Next);
    }
}
