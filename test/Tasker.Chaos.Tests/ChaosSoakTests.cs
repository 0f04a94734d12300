using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Tasker.Cluster.Tests;
using Tasker.Testing;
using Xunit.Abstractions;

namespace Tasker.Chaos.Tests;

/// <summary>
/// A Jepsen-style soak: 3 silos in cluster mode (real Redis and PostgreSQL), 2 executor agents, a mixed load from 3
/// users (each with its own API key and webhook secret; flows among their tasks; a share of them with a callback to a
/// receiver of the soak's own), and seeded random faults (kill -9 and SIGTERM of silos, kill -9 of agents, Redis and PostgreSQL down for
/// 5–15 s, pause/resume/cancel storms). Then a checker over every answer the clients got.
/// <c>TASKER_CHAOS_SEED</c> and <c>TASKER_CHAOS_MINUTES</c> (default 15 and 3) set the run; the seed is printed.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ChaosSoakTests(ClusterServers servers, ITestOutputHelper output)
{
    private const string AgentToken = "chaos-agent-token-0123456789";
    private static readonly string[] _clients = ["chaos-a", "chaos-b", "chaos-c"];

    [Fact]
    public async Task Under_random_faults_no_acknowledged_task_is_lost_or_wrong_and_no_answer_is_a_500()
    {
        var seed = int.Parse(Environment.GetEnvironmentVariable("TASKER_CHAOS_SEED") ?? "15", CultureInfo.InvariantCulture);
        var minutes = double.Parse(Environment.GetEnvironmentVariable("TASKER_CHAOS_MINUTES") ?? "3", CultureInfo.InvariantCulture);
        var progress = Path.Combine(Path.GetTempPath(), $"tasker-chaos-{seed}.log");
        File.WriteAllText(progress, "");
        var run = new SoakRun(servers, seed, TimeSpan.FromMinutes(minutes), line =>
        {
            output.WriteLine(line);
            lock (progress)
            {
                File.AppendAllText(progress, $"{DateTime.UtcNow:HH:mm:ss} {line}\n");
            }
        });
        var report = await run.RunAsync();
        output.WriteLine(report.Figures);
        File.AppendAllText(progress, report.Figures); // A passing test's output is not shown by dotnet test: the figures stay in the log.

        var grouped = report.Violations.GroupBy(v => v.Kind).Select(g => $"{g.Key}: {g.Count()}\n  " + string.Join("\n  ", g.Take(6).Select(v => v.Text)));
        Assert.True(report.Violations.Count == 0, $"seed {seed}: {report.Violations.Count} violations\n" + string.Join("\n", grouped) + "\n\n" + report.Figures);
    }

    /// <summary>One answer a client got (status 0: no answer, e.g. a refused connection or a timeout).</summary>
    private sealed record Answer(DateTime At, string Operation, int Status, bool RetryAfter, string Detail);

    /// <summary>
    /// A task the cluster acknowledged with an id, and what it must end as (csv-import: its row count). A flow's child
    /// (<paramref name="FlowChild"/>) ends as its parents decide (FlowCheck), and has its expected result only if it runs.
    /// A task with <paramref name="Callback"/> announces its end to its client's receiver.
    /// </summary>
    private sealed record Acknowledged(
        string Id, string Client, string Type, string? ExpectedResult, string? Token, int? ExpectedRows = null, bool FlowChild = false, bool Callback = false);

    /// <summary>The verdict: figures for the README and every broken promise.</summary>
    private sealed record Report(string Figures, List<Violation> Violations);

    /// <summary>A broken promise: its kind (for the summary) and what happened.</summary>
    private sealed record Violation(string Kind, string Text);

    private sealed class SoakRun(ClusterServers servers, int seed, TimeSpan duration, Action<string> log)
    {
        private readonly Random _faults = new(seed);
        private readonly ConcurrentQueue<Answer> _answers = new();
        private readonly ConcurrentQueue<Acknowledged> _acknowledged = new();
        private readonly ConcurrentDictionary<string, int> _faultCounts = new();
        private readonly ConcurrentBag<string> _stormed = new();
        private readonly ConcurrentQueue<string> _flowParents = new(); // The count tasks that flows run after: storms cancel some.
        private readonly List<(DateTime From, DateTime To)> _faultWindows = [];
        private readonly List<(string Fault, TimeSpan Took)> _exits = [];
        private readonly string _clusterId = "chaos" + seed.ToString(CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..6];
        private readonly string _ledger = Path.Combine(Path.GetTempPath(), $"tasker-chaos-ledger-{Guid.NewGuid():N}");
        private readonly string _files = Directory.CreateTempSubdirectory("tasker-chaos-files-").FullName;
        private SiloProcess?[] _silos = [];
        private readonly AgentProcess?[] _agents = new AgentProcess?[2];
        private DateTime _lastFaultEnded = DateTime.MinValue;

        // Each client is a user (shell role, a tier roomy enough for the load) calling with its own API key.
        private readonly ConcurrentDictionary<string, string> _keys = new();
        private readonly ConcurrentQueue<Violation> _leaks = new();

        // Each client's webhook receiver, verifying signatures with that client's secret.
        private readonly Dictionary<string, WebhookReceiver> _receivers = [];

        private Dictionary<string, string> Settings() => new()
        {
            // build/services.sh runs PostgreSQL with synchronous_commit off (fast throwaway tests): a crash (stop -m
            // immediate) then loses commits it had acknowledged. A production server keeps them, and so must this one.
            ["ConnectionStrings__Postgres"] = servers.Postgres.TrimEnd(';') + ";Options=-c synchronous_commit=on",
            ["Tasker__Shell__Enabled"] = "true",
            ["Tasker__Agents__Token"] = AgentToken,
            ["Tasker__Shell__LeaseDuration"] = "00:00:06",
            ["Tasker__Files__Path"] = _files,
            ["Tasker__DataSet__Rows"] = "20000",
            ["Tasker__MaxHistoryPerClient"] = "100000", // The checker reads every acknowledged task in its client's history.
            ["Tasker__Tiers__chaos__MaxRunning"] = "200",
            ["Tasker__Tiers__chaos__MaxPriority"] = "high",
            ["Tasker__Tiers__chaos__RequestsPerSecond"] = "10000",
            // Callbacks go to receivers on loopback; retries come soon enough for the checker to see them through.
            ["Tasker__Webhooks__AllowPrivate"] = "true",
            ["Tasker__Webhooks__Timeout"] = "00:00:05",
            ["Tasker__Webhooks__FirstRetryDelay"] = "00:00:01",
            ["Tasker__Webhooks__MaxRetryDelay"] = "00:00:05",
            // Small logs that keep what a post-mortem needs (the silo process keeps 200,000 characters of them).
            ["Logging__LogLevel__Default"] = "Error",
            ["Logging__LogLevel__Orleans"] = "Critical",
            ["Logging__LogLevel__Tasker"] = "Warning",
        };

        public async Task<Report> RunAsync()
        {
            log($"chaos soak: seed {seed} (replay: TASKER_CHAOS_SEED={seed}), {duration.TotalMinutes} min, cluster {_clusterId}");
            File.WriteAllText(_ledger, "");
            _silos = [.. Enumerable.Range(0, 3).Select(_ => new SiloProcess(servers, _clusterId, Settings()))];
            try
            {
                foreach (var silo in _silos)
                {
                    await silo!.StartAsync();
                }

                for (var i = 0; i < _agents.Length; i++)
                {
                    _agents[i] = new AgentProcess(_silos[i]!.HttpPort, $"chaos-agent-{i}");
                }

                foreach (var client in _clients)
                {
                    _keys[client] = await CreateUserAsync(_silos[0]!, client);
                    var receiver = await WebhookReceiver.StartAsync();
                    _receivers[client] = receiver;
                    receiver.Secret = await CreateWebhookSecretAsync(_silos[0]!, client);
                }

                var clock = Stopwatch.StartNew();
                using var stop = new CancellationTokenSource(duration);
                var load = _clients.Select((client, i) => Task.Run(() => LoadAsync(client, new Random(seed * 31 + i), stop.Token))).ToList();
                var faults = Task.Run(() => FaultsAsync(stop.Token));
                await Task.WhenAll([.. load, faults]);
                log($"load and faults over after {clock.Elapsed.TotalSeconds:0} s; checking");
                return await CheckAsync();
            }
            finally
            {
                foreach (var agent in _agents)
                {
                    if (agent is not null)
                    {
                        await agent.DisposeAsync();
                    }
                }

                for (var i = 0; i < _silos.Length; i++)
                {
                    if (_silos[i] is { } silo)
                    {
                        // Kept for the post-mortem of a failed run: the warnings and errors of each silo still running.
                        File.WriteAllText(Path.Combine(Path.GetTempPath(), $"tasker-chaos-{seed}-silo{i}.log"), silo.Log);
                        await silo.DisposeAsync();
                    }
                }

                foreach (var receiver in _receivers.Values)
                {
                    await receiver.DisposeAsync();
                }

                File.Delete(_ledger);
                Directory.Delete(_files, recursive: true);
            }
        }

        // ------------------------------------------------------------------------------------------------ load --

        /// <summary>Creates the user as the admin (before any fault) and returns a new API key of it.</summary>
        private static async Task<string> CreateUserAsync(SiloProcess silo, string name)
        {
            using var put = await silo.Http.PutAsJsonAsync($"/users/{name}", new { tier = "chaos", roles = new[] { "shell" } });
            Assert.True(put.IsSuccessStatusCode, $"PUT /users/{name}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
            using var key = await silo.Http.PostAsJsonAsync($"/users/{name}/keys", new { label = "chaos" });
            Assert.True(key.IsSuccessStatusCode, $"POST /users/{name}/keys: {(int)key.StatusCode} {await key.Content.ReadAsStringAsync()}");
            return JsonDocument.Parse(await key.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
        }

        /// <summary>Makes the user's webhook secret as the admin (before any fault) and returns it.</summary>
        private static async Task<string> CreateWebhookSecretAsync(SiloProcess silo, string name)
        {
            using var made = await silo.Http.PostAsync($"/users/{name}/webhook-secret", null);
            Assert.True(made.IsSuccessStatusCode, $"POST /users/{name}/webhook-secret: {(int)made.StatusCode} {await made.Content.ReadAsStringAsync()}");
            return JsonDocument.Parse(await made.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        }

        private HttpRequestMessage AsUser(string client, HttpMethod method, string path, HttpContent? content = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = content };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _keys[client]);
            return request;
        }

        /// <summary>A user asks for another user's task: the answer must be a 404, as for a task that does not exist.</summary>
        private async Task PeekAsync(string client, Random random)
        {
            var others = _acknowledged.Where(a => a.Client != client).TakeLast(50).ToList();
            var silo = _silos[random.Next(_silos.Length)];
            if (others.Count == 0 || silo is null)
            {
                return;
            }

            var target = others[random.Next(others.Count)];
            var verb = random.Next(3) switch { 0 => "", 1 => "/cancel", _ => "/pause" };
            using var request = AsUser(client, verb == "" ? HttpMethod.Get : HttpMethod.Post, $"/tasks/{target.Id}{verb}");
            var (status, retryAfter, body) = await SendAsync(silo, request);
            _answers.Enqueue(new Answer(DateTime.UtcNow, "peek", status, retryAfter, Shorten(body)));
            if (status is not (404 or 0 or 503))
            {
                _leaks.Enqueue(new Violation("leak", $"{client} asked {verb} of {target.Client}'s task {target.Id} and got {status}: {Shorten(body)}"));
            }
        }

        private async Task LoadAsync(string client, Random random, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var kind = random.Next(100);
                var token = Guid.NewGuid().ToString("N");
                if (kind < 5)
                {
                    await PeekAsync(client, random);
                    continue;
                }

                if (kind < 10)
                {
                    await ImportAsync(client, token, random);
                    continue;
                }

                if (kind < 16)
                {
                    await FlowAsync(client, token, random);
                    await Task.Delay(random.Next(20, 120), CancellationToken.None);
                    continue;
                }

                var (type, parameters, expected) = kind switch
                {
                    < 40 => Sum(random),
                    < 55 => Sequence(random),
                    < 70 => Count(random),
                    < 75 => ("csv-export", (object)new { from = "2012-01-01", till = "2012-03-31", chunk_rows = 500 }, null),
                    _ => ("shell", new { command = $"echo {token} >> {_ledger}", timeout_s = 30 }, null),
                };
                var key = random.Next(2) == 0 ? $"{client}-{token}" : null;
                var callback = random.Next(4) == 0; // A quarter announce their end to the client's receiver (checked below).
                if (callback && random.Next(8) == 0)
                {
                    _receivers[client].AnswerNext(503); // Now and then a receiver fails once: that delivery is retried.
                }

                await SubmitAsync(client, type, parameters, expected, type == "shell" ? token : null, key, random, callback: callback);
                await Task.Delay(random.Next(20, 120), CancellationToken.None);
            }
        }

        /// <summary>A csv-import of a small generated CSV, uploaded as multipart (retried like any submit with a key).</summary>
        private Task ImportAsync(string client, string token, Random random)
        {
            var rows = random.Next(20, 400);
            var csv = new StringBuilder("name,email,city,date,amount\n");
            for (var i = 0; i < rows; i++)
            {
                csv.Append(CultureInfo.InvariantCulture, $"n{i},u{i}@example.com,Lyon,2012-02-{1 + i % 28:D2},{i}.25\n");
            }

            var bytes = Encoding.UTF8.GetBytes(csv.ToString());
            HttpContent Form()
            {
                var form = new MultipartFormDataContent
                {
                    { new StringContent("csv-import"), "type" },
                    { new StringContent("50"), "chunk_rows" },
                };
                var file = new ByteArrayContent(bytes);
                file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
                form.Add(file, "file", $"chaos-{token}.csv");
                return form;
            }

            return SubmitAsync(client, "csv-import", new { }, null, null, $"{client}-{token}", random, Form, rows);
        }

        /// <summary>
        /// A small flow in one batch (#n names an earlier item): a chain (sum2 → sum2 → sum-results after both), or a
        /// fan-in (a count and a sum2 → sum-results after both → a sum2 after it under all_ended → sum-results after those
        /// two). Its count is one that storms may cancel, and a quarter of them its user cancels at once. With keys,
        /// retried (elsewhere) until every item is in.
        /// </summary>
        private async Task FlowAsync(string client, string token, Random random)
        {
            var (a, b, c, d) = (random.Next(-1000, 1000), random.Next(-1000, 1000), random.Next(-1000, 1000), random.Next(-1000, 1000));
            var to = random.Next(3, 15);
            var fanIn = random.Next(2) == 0;
            (object Item, string Type, string? Expected, bool Child)[] items = fanIn
                ?
                [
                    (new { type = "count", @params = new { to, delay_ms = 100 }, client }, "count", to.ToString(CultureInfo.InvariantCulture), false),
                    (new { type = "sum2", @params = new { first = a, second = b }, client }, "sum2", (a + b).ToString(CultureInfo.InvariantCulture), false),
                    (new { type = "sum-results", after = new[] { "#0", "#1" }, client }, "sum-results", null, true),
                    (new { type = "sum2", @params = new { first = c, second = d }, after = new[] { "#2" }, after_policy = "all_ended", client }, "sum2", (c + d).ToString(CultureInfo.InvariantCulture), true),
                    (new { type = "sum-results", after = new[] { "#2", "#3" }, client }, "sum-results", null, true),
                ]
                :
                [
                    (new { type = "sum2", @params = new { first = a, second = b }, client }, "sum2", (a + b).ToString(CultureInfo.InvariantCulture), false),
                    (new { type = "sum2", @params = new { first = c, second = d }, after = new[] { "#0" }, client }, "sum2", (c + d).ToString(CultureInfo.InvariantCulture), true),
                    (new { type = "sum-results", after = new[] { "#0", "#1" }, client }, "sum-results", null, true),
                ];
            var keyed = random.Next(2) == 0;
            var hooked = random.Next(3) == 0; // A third of the flows announce the end of each of their tasks.
            var body = items.Select((item, i) =>
            {
                var node = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(item.Item))!.AsObject();
                if (keyed)
                {
                    node["idempotency_key"] = $"{client}-{token}-{i}";
                }

                if (hooked)
                {
                    node["callback"] = new System.Text.Json.Nodes.JsonObject { ["url"] = _receivers[client].Url };
                }

                return node;
            }).ToList();
            var acknowledged = new string?[items.Length];
            for (var attempt = 0; attempt < (keyed ? 6 : 1); attempt++)
            {
                var silo = _silos[random.Next(_silos.Length)];
                if (silo is null)
                {
                    await Task.Delay(200);
                    continue;
                }

                using var request = AsUser(client, HttpMethod.Post, "/tasks/batch", JsonContent.Create(body));
                var (status, retryAfter, answer) = await SendAsync(silo, request);
                _answers.Enqueue(new Answer(DateTime.UtcNow, "submit flow", status, retryAfter, Shorten(answer)));
                if (status != 200)
                {
                    if (status is not (0 or 503))
                    {
                        return;
                    }

                    await Task.Delay(500 + attempt * 500);
                    continue;
                }

                var results = JsonDocument.Parse(answer).RootElement.GetProperty("results").EnumerateArray().ToList();
                for (var i = 0; i < items.Length; i++)
                {
                    var itemStatus = results[i].GetProperty("status").GetInt32();
                    if (itemStatus is 200 or 202)
                    {
                        var id = results[i].GetProperty("task").GetProperty("id").GetString()!;
                        if (acknowledged[i] is { } before && before != id)
                        {
                            _leaks.Enqueue(new Violation("flow key", $"flow item {i} of {client} was acknowledged as {before}, then as {id} with the same key"));
                        }

                        if (acknowledged[i] is null)
                        {
                            acknowledged[i] = id;
                            _acknowledged.Enqueue(new Acknowledged(id, client, items[i].Type, items[i].Expected, null, FlowChild: items[i].Child, Callback: hooked));
                            if (items[i].Type == "count")
                            {
                                _flowParents.Enqueue(id);
                            }
                        }
                    }
                    else
                    {
                        // An item refused for an outage (503), or after an earlier item refused so (422 parent-not-created).
                        var problem = results[i].GetProperty("problem").GetRawText();
                        var notCreated = itemStatus == 422 && problem.Contains("parent-not-created", StringComparison.Ordinal);
                        _answers.Enqueue(new Answer(DateTime.UtcNow, notCreated ? "flow item (parent not created)" : "flow item", itemStatus, itemStatus == 503, Shorten(problem)));
                    }
                }

                if (acknowledged.All(id => id is not null))
                {
                    if (fanIn && random.Next(4) == 0)
                    {
                        // Its user cancels the count while its children wait (storms cancel others): every run has some.
                        _stormed.Add(acknowledged[0]!);
                        using var cancel = AsUser(client, HttpMethod.Post, $"/tasks/{acknowledged[0]}/cancel");
                        var (cancelStatus, cancelRetryAfter, cancelBody) = await SendAsync(_silos[random.Next(_silos.Length)] ?? silo, cancel);
                        _answers.Enqueue(new Answer(DateTime.UtcNow, "cancel", cancelStatus, cancelRetryAfter, Shorten(cancelBody)));
                    }

                    return;
                }

                await Task.Delay(500 + attempt * 500);
            }
        }

        private static (string, object, string?) Sum(Random random)
        {
            var (a, b) = (random.Next(-1000, 1000), random.Next(-1000, 1000));
            return ("sum2", new { first = a, second = b }, (a + b).ToString(CultureInfo.InvariantCulture));
        }

        private static (string, object, string?) Sequence(Random random)
        {
            var n = random.Next(2, 8);
            return ("sequence", new { n }, (n * (n + 1) / 2).ToString(CultureInfo.InvariantCulture));
        }

        private static (string, object, string?) Count(Random random)
        {
            var to = random.Next(5, 40);
            return ("count", new { to, delay_ms = 100 }, to.ToString(CultureInfo.InvariantCulture));
        }

        /// <summary>Submits through a random silo; with an Idempotency-Key, retries (elsewhere) until an answer that is not a 503.</summary>
        private async Task SubmitAsync(
            string client, string type, object parameters, string? expected, string? token, string? key, Random random,
            Func<HttpContent>? content = null, int? expectedRows = null, bool callback = false)
        {
            var tries = key is null ? 1 : 6;
            for (var attempt = 0; attempt < tries; attempt++)
            {
                var silo = _silos[random.Next(_silos.Length)];
                if (silo is null)
                {
                    await Task.Delay(200);
                    continue;
                }

                using var request = AsUser(client, HttpMethod.Post, "/tasks", content is not null ? content()
                    : callback ? JsonContent.Create(new { type, @params = parameters, client, callback = new { url = _receivers[client].Url } })
                    : JsonContent.Create(new { type, @params = parameters, client }));
                if (key is not null)
                {
                    request.Headers.Add("Idempotency-Key", key);
                }

                var (status, retryAfter, body) = await SendAsync(silo, request);
                _answers.Enqueue(new Answer(DateTime.UtcNow, $"submit {type}", status, retryAfter, Shorten(body)));
                if (status is 200 or 202)
                {
                    var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
                    _acknowledged.Enqueue(new Acknowledged(id, client, type, expected, token, expectedRows, Callback: callback));
                    return;
                }

                if (status is not (0 or 503))
                {
                    return;
                }

                await Task.Delay(500 + attempt * 500);
            }
        }

        private static async Task<(int Status, bool RetryAfter, string Body)> SendAsync(SiloProcess silo, HttpRequestMessage request)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                using var response = await silo.Http.SendAsync(request, timeout.Token);
                return ((int)response.StatusCode, response.Headers.RetryAfter is not null, await response.Content.ReadAsStringAsync(timeout.Token));
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                return (0, false, exception.GetType().Name + ": " + exception.Message);
            }
            catch (ObjectDisposedException)
            {
                return (0, false, "the silo's client was disposed (restarted)");
            }
        }

        // ---------------------------------------------------------------------------------------------- faults --

        private async Task FaultsAsync(CancellationToken stop)
        {
            await Delay(TimeSpan.FromSeconds(8), stop);
            var deck = new Queue<int>();
            while (!stop.IsCancellationRequested)
            {
                if (deck.Count == 0)
                {
                    // Every kind once per round of seven, in a seeded order: even a short run meets each of them.
                    deck = new Queue<int>(Enumerable.Range(0, 7).OrderBy(_ => _faults.Next()));
                }

                var kind = deck.Dequeue();
                var from = DateTime.UtcNow;
                var name = kind switch
                {
                    0 => "kill -9 silo", 1 => "SIGTERM silo", 2 => "kill -9 agent", 3 => "Redis down", 4 => "PostgreSQL down", 6 => "SIGTERM silo while Redis or PostgreSQL is down",
                    _ => "pause/resume/cancel storm",
                };
                log($"fault: {name}");
                _faultCounts.AddOrUpdate(name, 1, (_, n) => n + 1);
                switch (kind)
                {
                    case 0 or 1 or 6:
                        var index = _faults.Next(_silos.Length);
                        var silo = _silos[index]!;
                        _silos[index] = null;
                        var redisDown = kind == 6 && _faults.Next(2) == 0;
                        if (kind == 6)
                        {
                            await (redisDown ? servers.StopRedisAsync() : servers.StopPostgresAsync());
                            await Task.Delay(TimeSpan.FromSeconds(_faults.Next(1, 4)));
                        }

                        if (kind == 0)
                        {
                            await silo.KillAsync();
                        }
                        else
                        {
                            var stopping = Stopwatch.StartNew();
                            await silo.StopAsync();
                            lock (_exits)
                            {
                                _exits.Add((name, stopping.Elapsed));
                            }
                        }

                        if (kind == 6)
                        {
                            await (redisDown ? servers.StartRedisAsync() : servers.StartPostgresAsync());
                        }

                        await Task.Delay(TimeSpan.FromSeconds(_faults.Next(2, 8)));
                        await silo.DisposeAsync();
                        var restarted = new SiloProcess(servers, _clusterId, Settings());
                        await restarted.StartAsync(TimeSpan.FromSeconds(120));
                        _silos[index] = restarted;

                        // The restarted silo listens on another port: its agents follow it (an operator's load balancer would).
                        for (var i = 0; i < _agents.Length; i++)
                        {
                            if (_agents[i] is { } agent && agent.SiloPort == silo.HttpPort)
                            {
                                await agent.DisposeAsync();
                                _agents[i] = new AgentProcess(restarted.HttpPort, $"chaos-agent-{i}");
                            }
                        }

                        break;
                    case 2:
                        var which = _faults.Next(_agents.Length);
                        await _agents[which]!.DisposeAsync();
                        await Task.Delay(TimeSpan.FromSeconds(_faults.Next(1, 5)));
                        var target = _silos.FirstOrDefault(s => s is not null);
                        _agents[which] = new AgentProcess(target?.HttpPort ?? 0, $"chaos-agent-{which}");
                        break;
                    case 3:
                        await servers.StopRedisAsync();
                        await Task.Delay(TimeSpan.FromSeconds(_faults.Next(5, 16)));
                        await servers.StartRedisAsync();
                        break;
                    case 4:
                        await servers.StopPostgresAsync();
                        await Task.Delay(TimeSpan.FromSeconds(_faults.Next(5, 16)));
                        await servers.StartPostgresAsync();
                        break;
                    default:
                        await StormAsync();
                        break;
                }

                lock (_faultWindows)
                {
                    _faultWindows.Add((from, DateTime.UtcNow));
                }

                _lastFaultEnded = DateTime.UtcNow;
                await Delay(TimeSpan.FromSeconds(_faults.Next(6, 15)), stop);
            }
        }

        private async Task StormAsync()
        {
            var counts = _acknowledged.Where(a => a.Type == "count").TakeLast(12).ToList();
            // A flow's parent cancelled while its children wait: they must end dependency-failed (or run, under all_ended).
            foreach (var parent in _flowParents.TakeLast(3).Where(id => counts.All(c => c.Id != id)))
            {
                _stormed.Add(parent);
                if (_silos.FirstOrDefault(s => s is not null) is { } silo)
                {
                    using var cancel = new HttpRequestMessage(HttpMethod.Post, $"/tasks/{parent}/cancel");
                    var (status, retryAfter, body) = await SendAsync(silo, cancel);
                    _answers.Enqueue(new Answer(DateTime.UtcNow, "cancel", status, retryAfter, Shorten(body)));
                }
            }

            foreach (var task in counts)
            {
                _stormed.Add(task.Id);
                foreach (var verb in new[] { "pause", "resume", "cancel" }.OrderBy(_ => _faults.Next()).Take(_faults.Next(1, 4)))
                {
                    var silo = _silos.FirstOrDefault(s => s is not null);
                    if (silo is null)
                    {
                        continue;
                    }

                    using var request = new HttpRequestMessage(HttpMethod.Post, $"/tasks/{task.Id}/{verb}");
                    var (status, retryAfter, body) = await SendAsync(silo, request);
                    _answers.Enqueue(new Answer(DateTime.UtcNow, verb, status, retryAfter, Shorten(body)));
                }
            }
        }

        private static async Task Delay(TimeSpan delay, CancellationToken stop)
        {
            try
            {
                await Task.Delay(delay, stop);
            }
            catch (OperationCanceledException)
            {
                // The run is over.
            }
        }

        // --------------------------------------------------------------------------------------------- checker --

        private async Task<Report> CheckAsync()
        {
            var violations = new ConcurrentQueue<Violation>();

            // The cluster serves again within 60 s of the last fault.
            var recovery = Stopwatch.StartNew();
            var serving = false;
            while (recovery.Elapsed < TimeSpan.FromSeconds(60) && !serving)
            {
                var ready = await Task.WhenAll(_silos.Select(async s => s is not null && (await SendAsync(s, new HttpRequestMessage(HttpMethod.Get, "/health/ready"))).Status == 200));
                serving = ready.All(r => r);
                if (!serving)
                {
                    await Task.Delay(500);
                }
            }

            var recovered = recovery.Elapsed;
            log($"serving again after {recovered.TotalSeconds:0.0} s");
            if (!serving)
            {
                violations.Enqueue(new("not serving", "the cluster did not serve again within 60 s of the end of the run"));
            }

            var readers = _silos.Where(s => s is not null).ToArray();
            var succeededShell = new ConcurrentQueue<Acknowledged>();
            var acknowledged = _acknowledged.ToList();
            var finals = new ConcurrentDictionary<string, JsonElement>();

            // A storm may have ended on a pause: resume those tasks first, as their users would (children wait on some).
            foreach (var id in _stormed.Distinct())
            {
                if (readers.Length > 0 && await SendAsync(readers[0]!, new HttpRequestMessage(HttpMethod.Get, $"/tasks/{id}")) is (200, _, var stormedBody)
                    && JsonDocument.Parse(stormedBody).RootElement.GetProperty("status").GetString() == "paused")
                {
                    await SendAsync(readers[0]!, new HttpRequestMessage(HttpMethod.Post, $"/tasks/{id}/resume"));
                }
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
            var doubled = 0;
            await Parallel.ForEachAsync(acknowledged.Select((task, i) => (task, i)), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (item, _) =>
            {
                var (task, i) = item;
                JsonElement? final = null;
                var last = "";
                while (DateTime.UtcNow < deadline)
                {
                    var reader = readers[(i + last.Length) % readers.Length]!;
                    var (status, _, body) = await SendAsync(reader, new HttpRequestMessage(HttpMethod.Get, $"/tasks/{task.Id}"));
                    last = $"{status} {Shorten(body)}";
                    if (status == 200)
                    {
                        var view = JsonDocument.Parse(body).RootElement.Clone();
                        var now = view.GetProperty("status").GetString();
                        if (now is "succeeded" or "failed" or "cancelled")
                        {
                            final = view;
                            break;
                        }

                        if (now == "paused" && _stormed.Contains(task.Id))
                        {
                            // A storm may have ended on a pause: resume it, as its user would.
                            await SendAsync(reader, new HttpRequestMessage(HttpMethod.Post, $"/tasks/{task.Id}/resume"));
                        }
                    }
                    else if (status == 404)
                    {
                        violations.Enqueue(new("lost", $"{task.Type} task {task.Id} of {task.Client} was acknowledged and is now unknown (404)"));
                        return;
                    }

                    await Task.Delay(500);
                }

                if (final is not { } done)
                {
                    violations.Enqueue(new("not final", $"{task.Type} task {task.Id} did not end within the checker's 180 s; last answer: {last}"));
                    return;
                }

                finals[task.Id] = done;
                var phase = done.GetProperty("status").GetString();
                if (task.FlowChild)
                {
                    return; // It ends as its parents decide: checked below, once every task is final.
                }

                if (phase == "cancelled" && _stormed.Contains(task.Id))
                {
                    return;
                }

                if (phase != "succeeded")
                {
                    violations.Enqueue(new($"{task.Type} ended {phase}", $"{task.Type} task {task.Id} ended {phase}: {(done.TryGetProperty("error", out var e) ? e.ToString() : "")}"));
                    return;
                }

                if (task.ExpectedRows is { } rows
                    && (done.GetProperty("result").GetProperty("rows").GetInt32() != rows || done.GetProperty("result").GetProperty("bad").GetInt32() != 0))
                {
                    violations.Enqueue(new("wrong result", $"csv-import task {task.Id}: result {done.GetProperty("result").GetRawText()}, expected {rows} rows and none bad"));
                }

                if (task.ExpectedResult is { } expected && done.GetProperty("result").GetRawText() != expected)
                {
                    violations.Enqueue(new("wrong result", $"{task.Type} task {task.Id}: result {done.GetProperty("result").GetRawText()}, expected {expected}"));
                }

                if (task.Token is not null)
                {
                    succeededShell.Enqueue(task);
                }
            });

            // Flows: every acknowledged child ended (none waiting: the loop above), as its parents decide (dependency-failed
            // under all_succeeded when one did not succeed), never before one of them ended, a sum-results child with
            // the sum of its parents' results, a sum2 child that ran with its own.
            var flowOutcomes = new ConcurrentDictionary<string, int>();
            foreach (var task in acknowledged.Where(a => a.FlowChild && finals.ContainsKey(a.Id)))
            {
                var child = finals[task.Id];
                var after = FlowCheck.After(child);
                if (after.Any(p => !finals.ContainsKey(p)))
                {
                    continue; // A parent that did not end is a violation of its own above.
                }

                var outcome = $"{child.GetProperty("status").GetString()}{(FlowCheck.Text(child, "errorCode") is { } code ? " " + code : "")}";
                flowOutcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                if (FlowCheck.Violation(child, [.. after.Select(p => finals[p])], mayBeCancelled: _stormed.Contains(task.Id)) is { } violation)
                {
                    violations.Enqueue(new("flow", violation));
                }
                else if (task.ExpectedResult is { } expected && child.GetProperty("status").GetString() == "succeeded" && child.GetProperty("result").GetRawText() != expected)
                {
                    violations.Enqueue(new("wrong result", $"{task.Type} flow child {task.Id}: result {child.GetProperty("result").GetRawText()}, expected {expected}"));
                }
            }

            foreach (var client in _clients)
            {
                using var waiting = AsUser(client, HttpMethod.Get, "/tasks?status=waiting&limit=500");
                var (status, _, body) = await SendAsync(readers[0]!, waiting);
                var listed = status == 200 ? JsonDocument.Parse(body).RootElement.GetProperty("items").GetArrayLength() : -1;
                if (listed != 0)
                {
                    violations.Enqueue(new("flow", $"{client}'s listing of waiting tasks answered {status} with {listed} tasks once every task had ended"));
                }
            }

            var webhooks = await CheckWebhooksAsync(acknowledged, finals, readers[0]!, violations);

            // Read once every task is final: a shell task still queued when the load stopped runs during the wait above.
            var ledger = File.ReadAllLines(_ledger).GroupBy(l => l.Trim()).ToDictionary(g => g.Key, g => g.Count());
            foreach (var task in succeededShell)
            {
                var runs = ledger.GetValueOrDefault(task.Token!);
                if (runs == 0)
                {
                    violations.Enqueue(new("shell never ran", $"shell task {task.Id} succeeded but its command never ran"));
                }

                if (runs > 1)
                {
                    doubled++;
                }
            }

            // Nothing acknowledged is missing from its client's history.
            foreach (var client in _clients)
            {
                var history = await HistoryAsync(readers[0]!, client);
                foreach (var task in acknowledged.Where(a => a.Client == client && !history.Contains(a.Id)))
                {
                    violations.Enqueue(new("missing from history", $"{task.Type} task {task.Id} is missing from the history of {client}"));
                }
            }

            // No user saw another's task: every peek was a 404 (above, during the run), and each user's listing of all
            // tasks holds its own tasks only.
            foreach (var leak in _leaks)
            {
                violations.Enqueue(leak);
            }

            var owner = acknowledged.ToDictionary(a => a.Id, a => a.Client);
            foreach (var client in _clients)
            {
                using var listing = AsUser(client, HttpMethod.Get, "/tasks?limit=500");
                var (status, _, body) = await SendAsync(readers[0]!, listing);
                if (status != 200)
                {
                    violations.Enqueue(new("listing", $"{client}'s listing answered {status}: {Shorten(body)}"));
                    continue;
                }

                foreach (var item in JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray())
                {
                    var id = item.GetProperty("id").GetString()!;
                    var listedFor = item.GetProperty("client").GetString();
                    if (listedFor != client || (owner.TryGetValue(id, out var whose) && whose != client))
                    {
                        violations.Enqueue(new("leak", $"{client}'s listing shows task {id} of {listedFor}"));
                    }
                }
            }

            // Every answer: 2xx, a 4xx the client caused (409 for an illegal transition in a storm), or 503 with Retry-After.
            var answers = _answers.ToList();
            foreach (var answer in answers.Where(a => a.Status >= 500 && !(a.Status == 503 && a.RetryAfter)))
            {
                violations.Enqueue(new($"{answer.Status}", $"{answer.At:HH:mm:ss.fff} {answer.Operation}: {answer.Status}{(answer.RetryAfter ? "" : " without Retry-After")}: {answer.Detail}"));
            }

            foreach (var answer in answers.Where(a => a.Status is >= 400 and < 500
                && !(a.Status == 409 && a.Operation is "pause" or "resume" or "cancel") && !(a.Status == 404 && a.Operation == "peek")
                && !(a.Status == 422 && a.Operation == "flow item (parent not created)")))
            {
                violations.Enqueue(new($"unexpected {answer.Status}", $"{answer.At:HH:mm:ss.fff} {answer.Operation}: {answer.Detail}"));
            }

            foreach (var (fault, took) in _exits.Where(e => e.Took >= TimeSpan.FromSeconds(10)))
            {
                violations.Enqueue(new("slow stop", $"{fault}: the silo took {took.TotalSeconds:0.0} s to exit after SIGTERM (docker's grace is 10 s)"));
            }

            var list = violations.ToList();
            var figures = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"seed {seed}, {duration.TotalMinutes} min, 3 silos, 2 agents, {_clients.Length} clients")
                .AppendLine(CultureInfo.InvariantCulture, $"requests: {answers.Count}; acknowledged tasks: {acknowledged.Count} ({string.Join(", ", acknowledged.GroupBy(a => a.Type).Select(g => $"{g.Key} {g.Count()}"))})")
                .AppendLine(CultureInfo.InvariantCulture, $"answers: {string.Join(", ", answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "none" : g.Key)}×{g.Count()}"))}")
                .AppendLine(CultureInfo.InvariantCulture, $"faults: {string.Join(", ", _faultCounts.Select(f => $"{f.Key} {f.Value}"))}")
                .AppendLine(CultureInfo.InvariantCulture, $"exits after SIGTERM: {_exits.Count}, the slowest {(_exits.Count == 0 ? "none" : $"{_exits.Max(e => e.Took).TotalSeconds:0.0} s ({_exits.MaxBy(e => e.Took).Fault})")}")
                .AppendLine(CultureInfo.InvariantCulture, $"users {_clients.Length}; peeks at others' tasks {answers.Count(a => a.Operation == "peek")}, leaks {list.Count(v => v.Kind == "leak")}")
                .AppendLine(CultureInfo.InvariantCulture, $"lost {list.Count(v => v.Kind == "lost")}, not final {list.Count(v => v.Kind == "not final")}, shell commands run more than once {doubled}, 5xx other than 503+Retry-After {answers.Count(a => a.Status >= 500 && !(a.Status == 503 && a.RetryAfter))}")
                .AppendLine(CultureInfo.InvariantCulture, $"flows {answers.Count(a => a.Operation == "submit flow" && a.Status == 200)} batches; children {flowOutcomes.Values.Sum()} ({string.Join(", ", flowOutcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}"))}); flow violations {list.Count(v => v.Kind == "flow")}")
                .AppendLine(CultureInfo.InvariantCulture, $"{webhooks}; webhook violations {list.Count(v => v.Kind.StartsWith("webhook", StringComparison.Ordinal))}")
                .AppendLine(CultureInfo.InvariantCulture, $"longest run of answers without a 2xx: {LongestOutage(answers).TotalSeconds:0.0} s; serving again {recovered.TotalSeconds:0.0} s after the run")
                .ToString();
            return new Report(figures, list);
        }

        /// <summary>
        /// Callbacks: every request a receiver got verifies with its client's secret (StandardWebhooks); every task with a
        /// callback that ended got at least one delivery of its end (at-least-once: repeats allowed) under one webhook-id
        /// of its own, the same on every try; no task without a callback was announced. Returns the figures.
        /// </summary>
        private async Task<string> CheckWebhooksAsync(
            List<Acknowledged> acknowledged, ConcurrentDictionary<string, JsonElement> finals, SiloProcess reader, ConcurrentQueue<Violation> violations)
        {
            var hooked = acknowledged.Where(a => a.Callback && finals.ContainsKey(a.Id)).ToList();
            var unhooked = acknowledged.Where(a => !a.Callback).Select(a => a.Id).ToHashSet();
            Dictionary<string, List<(string Client, WebhookReceiver.Received Request)>> Received() => _receivers
                .SelectMany(r => r.Value.Requests.Select(request => (Client: r.Key, Request: request)))
                .GroupBy(r => r.Request.Json.GetProperty("data").GetProperty("id").GetString()!)
                .ToDictionary(g => g.Key, g => g.ToList());
            bool Announced(Acknowledged task, Dictionary<string, List<(string Client, WebhookReceiver.Received Request)>> received) =>
                received.TryGetValue(task.Id, out var requests)
                && requests.Any(r => r.Request.Json.GetProperty("type").GetString() == "task." + finals[task.Id].GetProperty("status").GetString());

            // Every such task has ended: its first attempt follows within seconds, a retry after a fault within a minute.
            var patience = Stopwatch.StartNew();
            var received = Received();
            while (hooked.Any(t => !Announced(t, received)) && patience.Elapsed < TimeSpan.FromSeconds(90))
            {
                await Task.Delay(500);
                received = Received();
            }

            foreach (var (client, receiver) in _receivers.Where(r => r.Value.BadSignatures > 0))
            {
                violations.Enqueue(new("webhook signature", $"{receiver.BadSignatures} of the {receiver.Requests.Count} requests to {client}'s receiver did not verify"));
            }

            foreach (var task in hooked.Where(t => !Announced(t, received)))
            {
                var (status, _, deliveries) = await SendAsync(reader, AsUser(task.Client, HttpMethod.Get, $"/tasks/{task.Id}/deliveries"));
                violations.Enqueue(new("webhook missing", $"{task.Type} task {task.Id} ended {finals[task.Id].GetProperty("status").GetString()} and its end never arrived; "
                    + $"received {(received.TryGetValue(task.Id, out var got) ? got.Count : 0)}; deliveries: {status} {Shorten(deliveries)}"));
            }

            var owners = new Dictionary<string, string>();
            foreach (var (id, requests) in received)
            {
                var final = finals.TryGetValue(id, out var view) ? view.GetProperty("status").GetString() : null;
                if (unhooked.Contains(id))
                {
                    violations.Enqueue(new("webhook unasked", $"task {id} has no callback and was announced {requests.Count} times"));
                }

                if (requests.Select(r => r.Client).Distinct().Count() > 1)
                {
                    violations.Enqueue(new("webhook leak", $"task {id} was announced to the receivers of {string.Join(", ", requests.Select(r => r.Client).Distinct())}"));
                }

                if (requests.Select(r => r.Request.WebhookId).Distinct().ToList() is not [var webhookId])
                {
                    violations.Enqueue(new("webhook id", $"task {id} was announced under webhook-ids {string.Join(", ", requests.Select(r => r.Request.WebhookId).Distinct())}"));
                }
                else if (owners.TryGetValue(webhookId, out var other))
                {
                    violations.Enqueue(new("webhook id", $"tasks {other} and {id} were both announced as {webhookId}"));
                }
                else
                {
                    owners[webhookId] = id;
                }

                if (final is not null && requests.Select(r => r.Request).FirstOrDefault(r => r.Json.GetProperty("type").GetString() != "task." + final) is { } wrong)
                {
                    violations.Enqueue(new("webhook event", $"task {id} ended {final} and was announced as {wrong.Json.GetProperty("type").GetString()}"));
                }
            }

            // How long after its end each task's first delivery arrived (faults included), for the figures only.
            var latencies = hooked.Where(t => received.ContainsKey(t.Id) && finals[t.Id].TryGetProperty("finishedAt", out var f) && f.ValueKind == JsonValueKind.String)
                .Select(t => (received[t.Id].Min(r => r.Request.At) - finals[t.Id].GetProperty("finishedAt").GetDateTimeOffset()).TotalSeconds)
                .Order().ToList();
            var requestCount = received.Values.Sum(r => r.Count);
            return $"callbacks: {hooked.Count} ended tasks with one, {requestCount} requests ({requestCount - received.Count} repeats), "
                + $"bad signatures {_receivers.Values.Sum(r => r.BadSignatures)}, first arrival after the end p50 "
                + $"{(latencies.Count == 0 ? "-" : latencies[latencies.Count / 2].ToString("0.00", CultureInfo.InvariantCulture))} s, max "
                + $"{(latencies.Count == 0 ? "-" : latencies[^1].ToString("0.00", CultureInfo.InvariantCulture))} s";
        }

        private static async Task<HashSet<string>> HistoryAsync(SiloProcess silo, string client)
        {
            var ids = new HashSet<string>();
            string? cursor = null;
            do
            {
                var (status, _, body) = await SendAsync(silo, new HttpRequestMessage(HttpMethod.Get, $"/clients/{client}/tasks?limit=500{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}"));
                if (status != 200)
                {
                    break;
                }

                var page = JsonDocument.Parse(body).RootElement;
                foreach (var item in page.GetProperty("items").EnumerateArray())
                {
                    ids.Add(item.GetProperty("id").GetString()!);
                }

                cursor = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            }
            while (cursor is not null);
            return ids;
        }

        private static TimeSpan LongestOutage(List<Answer> answers)
        {
            var longest = TimeSpan.Zero;
            DateTime? since = null;
            foreach (var answer in answers.OrderBy(a => a.At))
            {
                if (answer.Status is >= 200 and < 300)
                {
                    since = null;
                }
                else
                {
                    since ??= answer.At;
                    longest = answer.At - since.Value > longest ? answer.At - since.Value : longest;
                }
            }

            return longest;
        }

        private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
    }

    /// <summary>A <c>tasker agent</c> process; disposing it kills it (kill -9).</summary>
    private sealed class AgentProcess : IAsyncDisposable
    {
        private readonly Process _process;

        public AgentProcess(int siloPort, string name)
        {
            SiloPort = siloPort;
            var assembly = Path.GetFullPath(typeof(AgentProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AgentAssembly").Value!);
            var start = new ProcessStartInfo("dotnet", [assembly, "agent", "--url", $"http://127.0.0.1:{siloPort}", "--name", name, "--poll-interval", "1s"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["TASKER_AGENT_TOKEN"] = AgentToken;
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int SiloPort { get; }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
