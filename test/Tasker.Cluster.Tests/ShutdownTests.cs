using System.Diagnostics;
using Tasker.Api;
using Tasker.Client;

namespace Tasker.Cluster.Tests;

/// <summary>A silo told to stop (SIGTERM, as docker stop) leaves within docker's grace, whatever its clients wait for.</summary>
[Collection(ServersCollection.Name)]
public sealed class ShutdownTests(ClusterServers servers)
{
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(90);

    private static long Done(TaskView task) => task.Progress?.Done ?? 0;

    [Fact]
    public async Task A_silo_exits_within_10_s_of_SIGTERM_with_event_streams_and_long_polls_open_and_its_tasks_go_on_elsewhere()
    {
        var clusterId = "t" + Guid.NewGuid().ToString("N")[..12];
        await using var stopping = new SiloProcess(servers, clusterId);
        await using var survivor = new SiloProcess(servers, clusterId);
        await stopping.StartAsync();
        await survivor.StartAsync();

        // Task grains live on the silo that took the request: both counts run on the silo that will stop.
        var viaStopping = new TaskerClient(stopping.Http);
        var tasks = new[]
        {
            await viaStopping.SubmitAsync("count", new { to = 200, delay_ms = 50 }, "shutdown"),
            await viaStopping.SubmitAsync("count", new { to = 200, delay_ms = 50 }, "shutdown"),
        };
        var seen = new List<TaskView>();
        foreach (var task in tasks)
        {
            seen.Add((await Retry.UntilAsync(() => viaStopping.GetAsync(task.Id)!, _patience, t => Done(t!) >= 10))!);
        }

        // Clients that wait: two event streams and two long-polls, on the silo that will stop.
        using var waiting = new HttpClient { BaseAddress = stopping.Http.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var streams = new List<HttpResponseMessage>();
        foreach (var task in tasks)
        {
            streams.Add(await waiting.GetAsync($"/tasks/{task.Id}/events", HttpCompletionOption.ResponseHeadersRead));
        }

        var longPolls = tasks.Select(t => waiting.GetAsync($"/tasks/{t.Id}?after=100000&timeout=25")).ToList();
        await Task.Delay(500);

        var clock = Stopwatch.StartNew();
        await stopping.StopAsync();
        var exitedAfter = clock.Elapsed;
        Assert.True(exitedAfter < TimeSpan.FromSeconds(10), $"the silo took {exitedAfter} to exit after SIGTERM\n{stopping.Log}");

        // The waiting requests ended with the silo (an answer or a closed connection), none hangs.
        var ended = await Task.WhenAny(Task.WhenAll(longPolls.Select(p => p.ContinueWith(_ => 0, TaskScheduler.Default))), Task.Delay(5_000));
        Assert.True(ended is Task<int[]>, "a long-poll was still waiting after its silo exited");
        foreach (var stream in streams)
        {
            using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var body = await stream.Content.ReadAsStreamAsync(reading.Token);
            var rest = new byte[65536];
            try
            {
                while (await body.ReadAsync(rest, reading.Token) > 0)
                {
                }
            }
            catch (Exception exception) when (exception is IOException or HttpRequestException)
            {
                // The connection closed with the silo: ended, which is all a client needs to reconnect.
            }

            Assert.False(reading.IsCancellationRequested, "an event stream was still open after its silo exited");
            stream.Dispose();
        }

        // Each task goes on through the other silo from at least the progress seen before the stop, and succeeds.
        var viaSurvivor = new TaskerClient(survivor.Http);
        for (var i = 0; i < tasks.Length; i++)
        {
            var finished = await Retry.UntilAsync(() => viaSurvivor.GetAsync(tasks[i].Id)!, _patience, t => t!.IsFinal());
            Assert.Equal("succeeded", finished!.Status);
            Assert.Equal("200", finished.Result?.GetRawText());
            Assert.True(Done(finished) >= Done(seen[i]));
        }
    }
}
