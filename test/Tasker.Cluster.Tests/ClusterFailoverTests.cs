using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tasker.Api;
using Tasker.Client;

namespace Tasker.Cluster.Tests;

/// <summary>Real silo processes in cluster mode (PostgreSQL state, Redis membership and reminders), stopped and killed.</summary>
[Collection(OutageServersCollection.Name)]
public sealed class ClusterFailoverTests(OutageServers servers)
{
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(90);

    private static string NewClusterId() => "t" + Guid.NewGuid().ToString("N")[..12];

    private static long Done(TaskView task) => task.Progress?.Done ?? 0;

    /// <summary>The error lines of a silo's log, for a failure message.</summary>
    private static string Failures(SiloProcess silo) =>
        string.Join("\n", silo.Log.Split('\n').SkipWhile(l => !l.StartsWith("fail:", StringComparison.Ordinal)).Take(40));

    [Fact]
    public async Task Finished_tasks_survive_a_restart_of_the_only_silo()
    {
        var clusterId = NewClusterId();
        var submitted = new List<(string Id, string Result)>();
        await using (var silo = new SiloProcess(servers, clusterId))
        {
            await silo.StartAsync();
            var client = new TaskerClient(silo.Http);
            foreach (var (type, parameters, result) in new[]
            {
                ("sum2", (object)new { first = 1, second = 2 }, "3"),
                ("mult3", new { first = 2, second = 3, third = 7 }, "42"),
                ("sequence", new { n = 20 }, "210"),
                ("count", new { to = 15, delay_ms = 10 }, "15"),
            })
            {
                var task = await client.SubmitAsync(type, parameters, "restart");
                var done = await client.WaitAsync(task.Id, TimeSpan.FromSeconds(60));
                Assert.Equal("succeeded", done.Status);
                Assert.Equal(result, done.Result?.GetRawText());
                submitted.Add((task.Id, result));
            }

            await silo.StopAsync();
        }

        await using var again = new SiloProcess(servers, clusterId);
        await again.StartAsync();
        var reader = new TaskerClient(again.Http);
        foreach (var (id, result) in submitted)
        {
            var task = await reader.GetAsync(id);
            Assert.NotNull(task);
            Assert.Equal("succeeded", task.Status);
            Assert.Equal(result, task.Result?.GetRawText());
        }

        var history = await reader.ListAsync(client: "restart");
        Assert.Equal(submitted.Select(s => s.Id).OrderDescending(StringComparer.Ordinal), history.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task Two_silos_form_one_cluster_and_each_sees_the_others_tasks()
    {
        var clusterId = NewClusterId();
        await using var first = new SiloProcess(servers, clusterId);
        await using var second = new SiloProcess(servers, clusterId);
        await first.StartAsync();
        await second.StartAsync();
        var viaFirst = new TaskerClient(first.Http);
        var viaSecond = new TaskerClient(second.Http);

        var a = await viaFirst.SubmitAsync("sum2", new { first = 40, second = 2 }, "two-silos");
        var b = await viaSecond.SubmitAsync("count", new { to = 10, delay_ms = 10 }, "two-silos");

        Assert.Equal("42", (await viaSecond.WaitAsync(a.Id, TimeSpan.FromSeconds(30))).Result?.GetRawText());
        Assert.Equal("10", (await viaFirst.WaitAsync(b.Id, TimeSpan.FromSeconds(30))).Result?.GetRawText());
        var listed = await viaSecond.ListAsync(client: "two-silos");
        Assert.Equal(2, listed.Items.Count);
    }

    [Fact]
    public async Task A_long_task_goes_on_from_its_checkpoint_on_another_silo_after_kill_9()
    {
        var clusterId = NewClusterId();
        await using var doomed = new SiloProcess(servers, clusterId);
        await using var survivor = new SiloProcess(servers, clusterId);
        await doomed.StartAsync();
        await survivor.StartAsync();

        // Task grains are placed on the silo that takes the request, so this one runs on the doomed silo.
        // 2 steps of 50 ms per 100 ms chunk.
        var viaDoomed = new TaskerClient(doomed.Http);
        var task = await viaDoomed.SubmitAsync("count", new { to = 300, delay_ms = 50 }, "failover");
        var beforeKill = await Retry.UntilAsync(() => viaDoomed.GetAsync(task.Id)!, _patience, t => Done(t!) >= 20);
        await doomed.KillAsync();
        var killedAt = Stopwatch.StartNew();
        var lastSeenBeforeKill = Done(beforeKill!);

        var viaSurvivor = new TaskerClient(survivor.Http);
        var moving = await Retry.UntilAsync(
            () => viaSurvivor.GetAsync(task.Id)!,
            _patience,
            t => t!.Status == "succeeded" || Done(t) > lastSeenBeforeKill + 2);
        var wokenAfter = killedAt.Elapsed;

        // Progress never went back past what was seen before the kill: at most the chunk in flight was redone.
        Assert.True(Done(moving!) >= lastSeenBeforeKill, $"progress went back from {lastSeenBeforeKill} to {Done(moving!)}");
        Assert.True(wokenAfter < TimeSpan.FromSeconds(60), $"the task went on only {wokenAfter} after the kill\n{survivor.Log}");

        var finished = await Retry.UntilAsync(() => viaSurvivor.GetAsync(task.Id)!, _patience, t => t!.IsFinal());
        Assert.Equal("succeeded", finished!.Status);
        Assert.Equal("300", finished.Result?.GetRawText());
    }

    [Fact]
    public async Task No_acknowledged_task_is_lost_when_a_silo_is_killed_and_restarted_under_load()
    {
        var clusterId = NewClusterId();
        await using var steady = new SiloProcess(servers, clusterId);
        await using var flaky = new SiloProcess(servers, clusterId);
        await steady.StartAsync();
        await flaky.StartAsync();
        var silos = new[] { new TaskerClient(steady.Http), new TaskerClient(flaky.Http) };

        const int total = 1000;
        var acknowledged = new ConcurrentDictionary<int, string>();
        var next = -1;
        var errors = new ConcurrentBag<Exception>();
        async Task SubmitLoopAsync(int worker)
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < total)
            {
                // Distinct numbers, so every task is computed; the key makes a retry return the first task.
                var key = $"{clusterId}-{n}";
                var parameters = n % 50 == 0 ? (object)new { to = 10, delay_ms = 20 } : new { first = n, second = 1_000_000 };
                var type = n % 50 == 0 ? "count" : "sum2";
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        var task = await silos[(n + attempt + worker) % 2].SubmitAsync(type, parameters, "load", idempotencyKey: key);
                        acknowledged[n] = task.Id;
                        break;
                    }
                    catch (Exception exception) when (Retry.IsTransient(exception) && attempt < 400)
                    {
                        // Until the dead silo is declared dead (10-20 s), calls to grains it hosted fail: 503, retried.
                        await Task.Delay(200);
                    }
                    catch (Exception exception)
                    {
                        errors.Add(exception);
                        break;
                    }
                }
            }
        }

        var load = Task.WhenAll(Enumerable.Range(0, 8).Select(SubmitLoopAsync));
        await Retry.UntilAsync(() => Task.FromResult(acknowledged.Count), _patience, c => c >= total / 4);
        await flaky.KillAsync();
        await Retry.UntilAsync(() => Task.FromResult(acknowledged.Count), _patience, c => c >= total / 2);
        await flaky.StartAsync();
        await load;

        Assert.True(errors.IsEmpty, $"{string.Join("\n", errors.Select(e => e.Message).Distinct())}\n{Failures(steady)}\n{Failures(flaky)}");
        Assert.Equal(total, acknowledged.Count);
        Assert.Equal(total, acknowledged.Values.Distinct().Count());
        foreach (var (n, id) in acknowledged)
        {
            var task = await Retry.UntilAsync(() => silos[n % 2].GetAsync(id)!, _patience, t => t!.IsFinal());
            Assert.Equal("succeeded", task!.Status);
            var expected = n % 50 == 0 ? "10" : (n + 1_000_000).ToString(CultureInfo.InvariantCulture);
            Assert.Equal(expected, task.Result?.GetRawText());
        }

        var history = new List<TaskSummary>();
        string? cursor = null;
        do
        {
            var page = await silos[0].ListAsync(client: "load", limit: 500, cursor: cursor);
            history.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal(total, history.Select(h => h.Id).Distinct().Count());
    }

    [Fact]
    public async Task While_Redis_is_down_requests_get_503_and_service_resumes_when_it_returns()
    {
        var clusterId = NewClusterId();
        await using var silo = new SiloProcess(servers, clusterId);
        await silo.StartAsync();
        var client = new TaskerClient(silo.Http);
        var acknowledged = new ConcurrentBag<string>();
        var unavailable = 0;
        var otherErrors = new ConcurrentBag<Exception>();
        using var stop = new CancellationTokenSource();

        async Task LoadAsync(int worker)
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                n++;
                try
                {
                    var task = n % 5 == 0
                        ? await client.SubmitAsync("count", new { to = 5, delay_ms = 10 }, "redis-outage")
                        : await client.SubmitAsync("sum2", new { first = worker, second = n }, "redis-outage");
                    acknowledged.Add(task.Id);
                }
                catch (TaskerApiException exception) when (exception.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
                {
                    Interlocked.Increment(ref unavailable);
                }
                catch (Exception exception) when (exception is not TaskerApiException)
                {
                    otherErrors.Add(exception);
                }
                catch (TaskerApiException exception)
                {
                    otherErrors.Add(exception);
                }

                await Task.Delay(20);
            }
        }

        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(LoadAsync));
        await Task.Delay(1000);
        await servers.StopRedisAsync();
        try
        {
            var ready = await Retry.UntilAsync(() => silo.Http.GetAsync("/health/ready"), TimeSpan.FromSeconds(30),
                r => r.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(ready.Headers.RetryAfter);
            await Task.Delay(4000);
        }
        finally
        {
            await servers.StartRedisAsync();
        }

        await Retry.UntilAsync(() => silo.Http.GetAsync("/health/ready"), TimeSpan.FromSeconds(60), r => r.IsSuccessStatusCode);
        await Task.Delay(1000);
        await stop.CancelAsync();
        await load;

        Assert.True(otherErrors.IsEmpty, $"{string.Join("\n", otherErrors.Select(e => e.Message).Distinct())}\n{silo.Log}");
        Assert.True(unavailable > 0, "no request was answered 503 while Redis was down");
        var after = await client.SubmitAsync("count", new { to = 5, delay_ms = 10 }, "redis-outage");
        Assert.Equal("succeeded", (await client.WaitAsync(after.Id, TimeSpan.FromSeconds(30))).Status);
        foreach (var id in acknowledged)
        {
            var task = await Retry.UntilAsync(() => client.GetAsync(id)!, _patience, t => t!.IsFinal());
            Assert.Equal("succeeded", task!.Status);
        }
    }
}
