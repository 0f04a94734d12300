using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;
using Xunit.Abstractions;

namespace Tasker.Silo.Tests;

/// <summary>
/// One embedded silo on a real loopback port, kept busy by 200 running <c>count</c> tasks with no delay (the ones that
/// used to hold a thread for a whole chunk budget), with the production chunk budget (100 ms): pause and cancel must
/// stay quick and the liveness probe must answer at once. The thresholds are generous for 2 shared, busy cores; the
/// measured figures are written to the test output.
/// </summary>
[Collection(BusySiloCollection.Name)]
public sealed class BusySiloTests(BusySiloFixture fixture, ITestOutputHelper output)
{
    private const int Running = 200;
    private static readonly TimeSpan _commandP99Limit = TimeSpan.FromMilliseconds(1_000);
    private static readonly TimeSpan _liveP99Limit = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task With_200_running_counts_pause_cancel_and_health_live_stay_quick()
    {
        using var http = fixture.Http();
        var client = ApiTestExtensions.UniqueClient("busy");
        var ids = new List<string>();
        try
        {
            for (var i = 0; i < Running; i++)
            {
                ids.Add(await http.SubmitCountAsync(client, 1_000_000_000, delayMs: 0));
            }

            await Task.Delay(TimeSpan.FromSeconds(2)); // Every count is into its chunks by now.
            var running = (await http.GetJsonAsync($"/tasks?client={client}&status=running&limit=500")).Body.Ids();
            Assert.Equal(Running, running.Count);

            var live = new List<TimeSpan>();
            for (var i = 0; i < 100; i++)
            {
                live.Add(await TimeAsync(async () => Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode)));
                await Task.Delay(10);
            }

            var pauses = new List<TimeSpan>();
            foreach (var id in ids.Take(Running / 2))
            {
                pauses.Add(await TimeAsync(async () => Assert.Equal(HttpStatusCode.OK, (await http.CommandAsync(id, "pause")).Status)));
            }

            var cancels = new List<TimeSpan>();
            foreach (var id in ids.Skip(Running / 2))
            {
                cancels.Add(await TimeAsync(async () => Assert.Equal(HttpStatusCode.OK, (await http.CommandAsync(id, "cancel")).Status)));
            }

            output.WriteLine($"GET /health/live: {Describe(live)}");
            output.WriteLine($"pause of a running count: {Describe(pauses)}");
            output.WriteLine($"cancel of a running count: {Describe(cancels)}");
            Assert.True(P99(live) < _liveP99Limit, $"GET /health/live: {Describe(live)}");
            Assert.True(P99(pauses) < _commandP99Limit, $"pause: {Describe(pauses)}");
            Assert.True(P99(cancels) < _commandP99Limit, $"cancel: {Describe(cancels)}");
        }
        finally
        {
            foreach (var id in ids)
            {
                await http.CancelQuietlyAsync(id);
            }
        }
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed;
    }

    private static TimeSpan P99(List<TimeSpan> times) => Percentile(times, 0.99);

    private static TimeSpan Percentile(List<TimeSpan> times, double p)
    {
        var sorted = times.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    private static string Describe(List<TimeSpan> times) =>
        FormattableString.Invariant($"n {times.Count}, p50 {Percentile(times, 0.5).TotalMilliseconds:F1} ms, p99 {P99(times).TotalMilliseconds:F1} ms, max {times.Max().TotalMilliseconds:F1} ms");
}

/// <summary>An embedded silo on a real port, with the production chunk budget, for the busy-silo test alone.</summary>
public sealed class BusySiloFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly int _port = TestHosting.FreePort();

    public BusySiloFixture() => UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, _port));

    public HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{_port}/") };

    public Task InitializeAsync()
    {
        StartServer();
        return Task.CompletedTask;
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo().UseSetting("Tasker:ChunkBudget", "00:00:00.100");
}

/// <summary>The busy-silo test measures latency: it runs on its own, after the parallel collections.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BusySiloCollection : ICollectionFixture<BusySiloFixture>
{
    public const string Name = "busy-silo";
}
