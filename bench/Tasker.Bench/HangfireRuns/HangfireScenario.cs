using System.Diagnostics;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Redis.StackExchange;
using Npgsql;
using Tasker.Bench.Measuring;
using Tasker.Bench.Servers;

namespace Tasker.Bench.HangfireRuns;

/// <summary>
/// The same workload on Hangfire 1.8 in this process: a BackgroundJobServer with the default worker count, and
/// K submitters that each enqueue add(x, y) and wait until it has succeeded before enqueuing the next, as Tasker's
/// K HTTP clients do. Storages: InMemory, Redis (a fresh key prefix per run) and PostgreSQL (a fresh schema per
/// run, dropped at the end), on the same servers as Tasker's cluster mode.
/// </summary>
public static class HangfireScenario
{
    private static readonly TimeSpan _jobTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs the warm-up, the one-at-a-time phase and the load phase, then stops the server.</summary>
    public static async Task<ScenarioResult> RunAsync(BenchArguments options)
    {
        if (options.Mode is not ("inmemory" or "redis" or "postgres"))
        {
            throw new ArgumentException($"unknown Hangfire storage '{options.Mode}' (inmemory, redis, postgres)");
        }

        await using var servers = options.Mode == "inmemory" ? null : await RedisAndPostgres.ObtainAsync(options.WorkDirectory);
        var run = "hf_bench_" + Guid.NewGuid().ToString("N")[..10];
        JobStorage storage = options.Mode switch
        {
            "inmemory" => new InMemoryStorage(new InMemoryStorageOptions()),
            "redis" => new RedisStorage(servers!.Redis, new RedisStorageOptions { Prefix = $"{{{run}}}:" }),
            _ => new PostgreSqlStorage(
                new NpgsqlConnectionFactory(servers!.Postgres, new PostgreSqlStorageOptions()),
                new PostgreSqlStorageOptions { SchemaName = run, PrepareSchemaIfNecessary = true, EnableLongPolling = true }),
        };

        try
        {
            return Measure(options, storage);
        }
        finally
        {
            if (storage is IDisposable disposable)
            {
                disposable.Dispose();
            }

            if (options.Mode == "postgres")
            {
                await DropSchemaAsync(servers!.Postgres, run);
            }
        }
    }

    private static ScenarioResult Measure(BenchArguments options, JobStorage storage)
    {
        var signals = new SucceededSignals();
        GlobalJobFilters.Filters.Add(signals);
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings();

        var serverOptions = new BackgroundJobServerOptions();
        using var server = new BackgroundJobServer(serverOptions, storage);
        var client = new BackgroundJobClient(storage);
        var numbers = new Sum2Numbers();

        Load(client, signals, storage, numbers, options.WarmupTasks, options.Concurrency, new LoadRecorder(options.WarmupTasks), false);
        var low = new LoadRecorder(options.LowLoadTasks);
        Load(client, signals, storage, numbers, options.LowLoadTasks, 1, low, true);

        var before = storage.GetMonitoringApi().GetStatistics().Succeeded;
        var load = new LoadRecorder(options.Tasks);
        Load(client, signals, storage, numbers, options.Tasks, options.Concurrency, load, false);
        WaitForCommittedSuccesses(storage, before + options.Tasks - load.Failed, load);

        return new ScenarioResult(
            $"hangfire-{options.Mode}",
            options.Tasks,
            options.Concurrency,
            load.Failed + low.Failed,
            load.Throughput(),
            load.SubmitLatency(),
            load.DoneLatency(),
            low.DoneLatency(),
            ProcessMemory.PeakRssMiB(Environment.ProcessId),
            $"in-process BackgroundJobServer, {serverOptions.WorkerCount} workers; under load success = the Succeeded state applied " +
            "(a filter), the end = the storage's succeeded count; one at a time success = the storage shows Succeeded; " +
            "RSS: the whole benchmark process");
    }

    /// <summary>
    /// <paramref name="count"/> jobs from <paramref name="concurrency"/> submitter threads (Enqueue is synchronous);
    /// each waits for its job to succeed before enqueuing the next. With <paramref name="readBack"/>, success is when
    /// the storage shows the job Succeeded.
    /// </summary>
    private static void Load(
        BackgroundJobClient client, SucceededSignals signals, JobStorage storage, Sum2Numbers numbers, int count, int concurrency, LoadRecorder recorder, bool readBack)
    {
        var next = -1;
        void Submitter()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                var (x, y) = numbers.Next();
                var start = Stopwatch.GetTimestamp();
                string? jobId = null;
                try
                {
                    jobId = client.Enqueue(() => AddJob.Add(x, y));
                    var answered = Stopwatch.GetTimestamp();
                    var signal = signals.WhenSucceeded(jobId);
                    if (!signal.Wait(_jobTimeout))
                    {
                        throw new TimeoutException($"job {jobId} did not succeed within {_jobTimeout}");
                    }

                    var succeeded = readBack ? SeenSucceeded(storage, jobId) : signal.Result;
                    recorder.Succeeded(index, start, answered, succeeded);
                }
                catch (Exception exception) when (exception is TimeoutException or AggregateException or InvalidOperationException)
                {
                    recorder.Fail();
                    Console.Error.WriteLine($"bench: add({x}, {y}): {exception.Message}");
                }
                finally
                {
                    if (jobId is not null)
                    {
                        signals.Forget(jobId);
                    }
                }
            }
        }

        var threads = Enumerable.Range(0, concurrency).Select(_ => new Thread(Submitter) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }

    /// <summary>Reads the job's state until the storage shows Succeeded; returns the timestamp it did.</summary>
    private static long SeenSucceeded(JobStorage storage, string jobId)
    {
        using var connection = storage.GetConnection();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < _jobTimeout)
        {
            if (connection.GetStateData(jobId)?.Name == "Succeeded")
            {
                return Stopwatch.GetTimestamp();
            }

            Thread.Yield();
        }

        throw new TimeoutException($"the storage did not show job {jobId} succeeded within {_jobTimeout}");
    }

    /// <summary>Waits until the storage counts <paramref name="target"/> succeeded jobs; the phase ends then.</summary>
    private static void WaitForCommittedSuccesses(JobStorage storage, long target, LoadRecorder recorder)
    {
        var monitoring = storage.GetMonitoringApi();
        var clock = Stopwatch.StartNew();
        while (monitoring.GetStatistics().Succeeded < target)
        {
            if (clock.Elapsed > _jobTimeout)
            {
                recorder.Fail();
                Console.Error.WriteLine($"bench: the storage counts fewer than {target} succeeded jobs after {_jobTimeout}");
                return;
            }

            Thread.Sleep(1);
        }

        recorder.Ended(Stopwatch.GetTimestamp());
    }

    private static async Task DropSchemaAsync(string connectionString, string schema)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
