using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tasker.Bench.Measuring;
using Tasker.Bench.Servers;
using Tasker.Api;
using Tasker.Client;

namespace Tasker.Bench.TaskerRuns;

/// <summary>
/// Tasker under load over its public HTTP API: silos started here (embedded, or cluster mode with 1 or 2 silos over
/// Redis and PostgreSQL), sum2 tasks with numbers never used before (so the result cache never answers), requests
/// spread round-robin over the silos.
/// </summary>
public static class TaskerScenario
{
    /// <summary>Runs the warm-up, the one-at-a-time phase and the load phase, then stops everything it started.</summary>
    public static async Task<ScenarioResult> RunAsync(BenchArguments options)
    {
        var silos = options.Mode switch
        {
            "embedded" => 0,
            "cluster-1" => 1,
            "cluster-2" => 2,
            _ => throw new ArgumentException($"unknown Tasker mode '{options.Mode}' (embedded, cluster-1, cluster-2)"),
        };

        await using var servers = silos == 0 ? null : await RedisAndPostgres.ObtainAsync(options.WorkDirectory);
        var started = new List<SiloProcess>();
        try
        {
            // A fresh cluster and service id per run: no dead silos of an earlier run in the membership table, and
            // no stored state or cached results of an earlier run.
            var run = "bench-" + Guid.NewGuid().ToString("N")[..10];
            for (var i = 0; i < Math.Max(silos, 1); i++)
            {
                var environment = SiloEnvironment(options, run, servers);
                started.Add(await SiloProcess.StartAsync($"{options.Mode}-{i + 1}", options.WorkDirectory, environment));
            }

            return await MeasureAsync(options, started);
        }
        finally
        {
            foreach (var silo in started)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// How the benchmark configures a silo: cluster <paramref name="run"/> on free loopback ports, a files directory in
    /// the work directory, the servers when given (cluster mode), then the --silo-env settings.
    /// </summary>
    public static Dictionary<string, string?> SiloEnvironment(BenchArguments options, string run, RedisAndPostgres? servers)
    {
        var ports = FreePorts.Take(2);
        var environment = new Dictionary<string, string?>
        {
            ["Orleans__ClusterId"] = run,
            ["Orleans__ServiceId"] = run,
            ["Orleans__SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Tasker__Files__Path"] = Directory.CreateDirectory(Path.Combine(options.WorkDirectory, "files")).FullName,
            ["ConnectionStrings__Redis"] = servers?.Redis,
            ["ConnectionStrings__Postgres"] = servers?.Postgres,
            // The figures so far are without authentication; cluster mode now defaults to it (--silo-env overrides).
            ["Tasker__Auth__Enabled"] = "false",
        };
        foreach (var (key, value) in options.SiloEnvironment)
        {
            environment[key] = value;
        }

        return environment;
    }

    private static async Task<ScenarioResult> MeasureAsync(BenchArguments options, List<SiloProcess> silos)
    {
        var handlers = silos.Select(_ => new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }).ToList();
        var https = silos.Select((s, i) => new HttpClient(handlers[i]) { BaseAddress = s.Url, Timeout = TimeSpan.FromSeconds(60) }).ToList();
        foreach (var http in https)
        {
            // With authentication on (--silo-env), sign in as the configured admin: its API key when one is set, else basic.
            http.DefaultRequestHeaders.Authorization = options.SiloEnvironment.TryGetValue("Tasker__Auth__AdminApiKey", out var key)
                ? new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key)
                : options.SiloEnvironment.TryGetValue("Tasker__Auth__AdminPassword", out var password)
                    ? new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"admin:{password}")))
                    : null;
        }

        try
        {
            var clients = https.Select(h => new TaskerClient(h)).ToArray();
            var numbers = new Sum2Numbers();

            await LoadAsync(clients, numbers, options.WarmupTasks, options.Concurrency, new LoadRecorder(options.WarmupTasks));
            var low = new LoadRecorder(options.LowLoadTasks);
            await LoadAsync(clients, numbers, options.LowLoadTasks, 1, low);
            var load = new LoadRecorder(options.Tasks);
            await LoadAsync(clients, numbers, options.Tasks, options.Concurrency, load);

            return new ScenarioResult(
                $"tasker-{options.Mode}",
                options.Tasks,
                options.Concurrency,
                load.Failed + low.Failed,
                load.Throughput(),
                load.SubmitLatency(),
                load.DoneLatency(),
                low.DoneLatency(),
                silos.Max(s => s.PeakRssMiB),
                $"HTTP POST /tasks, success seen in the answer or by long-poll; RSS: the silo process(es), {silos.Count} silo(s)" +
                string.Concat(options.SiloEnvironment.Select(e => $"; {e.Key}={e.Value}")));
        }
        finally
        {
            https.ForEach(h => h.Dispose());
            handlers.ForEach(h => h.Dispose());
        }
    }

    /// <summary><paramref name="count"/> sum2 tasks from <paramref name="concurrency"/> submitters, each task on the next silo in turn.</summary>
    private static async Task LoadAsync(TaskerClient[] clients, Sum2Numbers numbers, int count, int concurrency, LoadRecorder recorder)
    {
        var next = -1;
        async Task Submitter(int submitter)
        {
            var name = "bench-" + submitter.ToString(CultureInfo.InvariantCulture);
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                var (first, second) = numbers.Next();
                var start = Stopwatch.GetTimestamp();
                try
                {
                    var client = clients[index % clients.Length];
                    var task = await client.SubmitAsync("sum2", new { first, second }, name);
                    var answered = Stopwatch.GetTimestamp();
                    if (!task.IsFinal())
                    {
                        task = await client.WaitAsync(task.Id, TimeSpan.FromSeconds(60));
                    }

                    var succeeded = Stopwatch.GetTimestamp();
                    if (task.Phase() == TaskPhase.Succeeded && !task.Cached
                        && task.Result is { ValueKind: JsonValueKind.Number } result && result.GetDecimal() == first + second)
                    {
                        recorder.Succeeded(index, start, answered, succeeded);
                    }
                    else
                    {
                        recorder.Fail();
                        await Console.Error.WriteLineAsync($"bench: task {task.Id} ended {task.Status} (cached: {task.Cached}) with {task.Result}");
                    }
                }
                catch (Exception exception) when (exception is TaskerApiException or HttpRequestException or TimeoutException or TaskCanceledException)
                {
                    recorder.Fail();
                    await Console.Error.WriteLineAsync($"bench: sum2 {first} + {second}: {exception.Message}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(Submitter));
    }
}
