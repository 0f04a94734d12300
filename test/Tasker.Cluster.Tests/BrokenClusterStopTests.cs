using System.Diagnostics;
using Tasker.Api;
using Tasker.Client;

namespace Tasker.Cluster.Tests;

/// <summary>
/// A silo whose cluster has broken around it (a peer gone, Redis and/or PostgreSQL stopped) still leaves within docker's
/// 10 s grace after SIGTERM (docs/adr/032), and what it could not hand on is not lost: once the servers are back and the
/// silos start again, every task acknowledged before goes on to its end.
/// </summary>
[Collection(OutageServersCollection.Name)]
public sealed class BrokenClusterStopTests(OutageServers servers)
{
    private static readonly TimeSpan _grace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(150);

    public static TheoryData<bool, bool> Outages => new()
    {
        { true, true },
        { true, false },
        { false, true },
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public async Task Each_silo_exits_within_10_s_of_SIGTERM_while_its_cluster_is_broken_and_every_acknowledged_task_ends_after(bool redisDown, bool postgresDown)
    {
        var clusterId = "b" + Guid.NewGuid().ToString("N")[..12];
        await using var first = new SiloProcess(servers, clusterId);
        await using var second = new SiloProcess(servers, clusterId);
        await using var third = new SiloProcess(servers, clusterId);
        SiloProcess[] silos = [first, second, third];
        await Task.WhenAll(silos.Select(s => s.StartAsync()));

        // Long tasks running on every silo (a task lives where it was submitted), and short ones already ended.
        var acknowledged = new List<(string Id, string Result)>();
        foreach (var silo in silos)
        {
            var tasker = new TaskerClient(silo.Http);
            for (var i = 0; i < 2; i++)
            {
                acknowledged.Add(((await tasker.SubmitAsync("count", new { to = 60, delay_ms = 100 }, "broken-stop")).Id, "60"));
            }

            var addend = Random.Shared.Next(1_000_000);
            acknowledged.Add(((await tasker.SubmitAsync("sum2", new { first = 20, second = addend }, "broken-stop")).Id, $"{20 + addend}"));
        }

        var viaFirst = new TaskerClient(first.Http);
        foreach (var (id, _) in acknowledged)
        {
            await Retry.UntilAsync(() => viaFirst.GetAsync(id)!, _patience, t => t is not null && (t.IsFinal() || (t.Progress?.Done ?? 0) >= 3));
        }

        await third.KillAsync();
        if (redisDown)
        {
            await servers.StopRedisAsync();
        }

        if (postgresDown)
        {
            await servers.StopPostgresAsync();
        }

        try
        {
            var exits = await Task.WhenAll(new[] { first, second }.Select(async silo =>
            {
                var clock = Stopwatch.StartNew();
                await silo.StopAsync();
                return clock.Elapsed;
            }));
            for (var i = 0; i < exits.Length; i++)
            {
                Assert.True(exits[i] < _grace, $"silo {i} took {exits[i].TotalSeconds:0.0} s to exit after SIGTERM (Redis down: {redisDown}, PostgreSQL down: {postgresDown})\n{silos[i].Log}");
            }
        }
        finally
        {
            if (redisDown)
            {
                await servers.StartRedisAsync();
            }

            if (postgresDown)
            {
                await servers.StartPostgresAsync();
            }
        }

        // The same silos start again (a new generation on the same addresses supersedes each old one in the membership).
        await Task.WhenAll(silos.Select(s => s.StartAsync()));
        foreach (var (id, result) in acknowledged)
        {
            var task = await Retry.UntilAsync(() => viaFirst.GetAsync(id)!, _patience, t => t!.IsFinal());
            Assert.True(task!.Status == "succeeded", $"task {id} ended {task.Status}: {task.Error}");
            Assert.Equal(result, task.Result?.GetRawText());
        }
    }
}
