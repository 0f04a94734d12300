using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Tasker.Cluster.Tests;

/// <summary>
/// Flows in cluster mode survive what kills or cuts off their silos: a parent's end reaches its children through a
/// one-way call once the end is stored, and again through a due entry (a row in PostgreSQL, run by whichever silo holds
/// its shard) until every child took it. So every child still starts or ends, once, and none is left waiting.
/// </summary>
[Collection(OutageServersCollection.Name)]
public sealed partial class FlowFailoverTests(OutageServers servers, ITestOutputHelper output)
{
    private const int Parents = 4;
    private const int ChildrenPerParent = 40;
    private const int FanIns = 8;
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(100);

    [Fact]
    public async Task Kill_9_of_the_silo_holding_parents_the_moment_one_ends_still_starts_every_child_once_and_leaves_none_waiting()
    {
        var clusterId = "f" + Guid.NewGuid().ToString("N")[..12];
        const string client = "flow-kill";
        // The task grains' own lines only, so that the logs that prove "once" stay well within what a SiloProcess keeps.
        var logging = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "None",
            ["Logging__LogLevel__Orleans"] = "None",
            ["Logging__LogLevel__Polly"] = "None",
            ["Logging__LogLevel__Tasker"] = "None",
            ["Logging__LogLevel__Microsoft"] = "None",
            ["Logging__LogLevel__Tasker.Tasks.TaskGrain"] = "Information",
        };
        // Every line is kept: a line dropped for the limit would count as a child never started.
        await using var doomed = new SiloProcess(servers, clusterId, logging) { LogLimit = 20_000_000 };
        await using var survivor = new SiloProcess(servers, clusterId, logging) { LogLimit = 20_000_000 };
        await Task.WhenAll(doomed.StartAsync(), survivor.StartAsync());

        // Parents on the doomed silo (a task lives where it was submitted), paused until their children are in, then
        // ending about half a second apart from a few seconds on.
        var parents = new List<(string Id, int To)>();
        for (var i = 0; i < Parents; i++)
        {
            var to = 12 + (2 * i);
            var parent = await PostAsync(doomed, "/tasks", new { type = "count", @params = new { to, delay_ms = 100 }, client });
            parents.Add((parent.GetProperty("id").GetString()!, to));
            await PostAsync(doomed, $"/tasks/{parents[i].Id}/pause", new { });
        }

        // Children on the survivor, in one batch: per parent, sum-results (its result) and sum2 children; fan-ins after
        // every parent; and a grandchild after each fan-in, which waits on a child that waits too.
        var items = new List<object>();
        var expected = new List<string>();
        for (var p = 0; p < Parents; p++)
        {
            for (var c = 0; c < ChildrenPerParent; c++)
            {
                if (c % 2 == 0)
                {
                    items.Add(new { type = "sum-results", after = new[] { parents[p].Id }, client });
                    expected.Add(parents[p].To.ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    items.Add(new { type = "sum2", @params = new { first = p, second = c }, after = new[] { parents[p].Id }, client });
                    expected.Add((p + c).ToString(CultureInfo.InvariantCulture));
                }
            }
        }

        var all = parents.Sum(p => p.To).ToString(CultureInfo.InvariantCulture);
        for (var f = 0; f < FanIns; f++)
        {
            items.Add(new { type = "sum-results", after = parents.Select(p => p.Id).ToArray(), client });
            expected.Add(all);
        }

        for (var f = 0; f < FanIns; f++)
        {
            items.Add(new { type = "sum-results", after = new[] { $"#{(Parents * ChildrenPerParent) + f}" }, client });
            expected.Add(all);
        }

        var batch = await PostAsync(survivor, "/tasks/batch", items);
        var children = batch.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("task")).ToList();
        Assert.All(children, c => Assert.Equal("waiting", c.GetProperty("status").GetString()));
        var childIds = children.Select(c => c.GetProperty("id").GetString()!).ToList();
        foreach (var (id, _) in parents)
        {
            await PostAsync(doomed, $"/tasks/{id}/resume", new { });
        }

        // kill -9 the moment the first parent's end is logged: its end is stored and its notices are on their way.
        var ended = ParentEnded(parents.Select(p => p.Id));
        var watch = Stopwatch.StartNew();
        while (!ended.IsMatch(doomed.Log) && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(2);
        }

        Assert.True(ended.IsMatch(doomed.Log), $"no parent ended within 30 s; the doomed silo's log:\n{doomed.Log}");
        var killAfter = watch.Elapsed;
        await doomed.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        var first = ended.Match(doomed.Log).Groups["id"].Value;

        var final = await FinalAsync(survivor, [.. parents.Select(p => p.Id), .. childIds], _patience);
        var tookAfterKill = DateTimeOffset.UtcNow - killedAt;
        Assert.True(final.Count == Parents + childIds.Count,
            $"{Parents + childIds.Count - final.Count} tasks did not end within {_patience.TotalSeconds} s of the kill; survivor's log (the end of):\n{Tail(survivor.Log)}");
        var listedWaiting = await StillListedWaitingAsync(survivor, client);
        Assert.True(listedWaiting.Count == 0, $"{listedWaiting.Count} ended tasks are still listed as waiting:\n{string.Join("\n", listedWaiting.Take(3))}\nsurvivor's log (the end of):\n{Tail(survivor.Log)}");

        for (var i = 0; i < childIds.Count; i++)
        {
            var child = final[childIds[i]];
            var theirParents = FlowCheck.After(child).Select(id => final[id]).ToList();
            Assert.Null(FlowCheck.Violation(child, theirParents));
            Assert.Equal("succeeded", child.GetProperty("status").GetString());
            Assert.Equal(expected[i], child.GetProperty("result").GetRawText());
        }

        // Once: no child's start by its parents' ends is logged twice, across both silos (that each started is its status
        // above). A line is logged after the task's end is stored and reaches the test a moment later, so the count waits
        // for every child's line; a line of the doomed silo's last moment may never come (kill -9 takes its logger's
        // queue), so a child without one is counted, not failed.
        Assert.False(doomed.LogCut || survivor.LogCut, "the logs were cut short: the count of starts below cannot be trusted");
        var decided = await DecidedAsync(doomed, survivor, childIds);
        foreach (var id in childIds)
        {
            Assert.True(decided.Count(d => d == id) <= 1,
                $"child {id} was started {decided.Count(d => d == id)} times by its parents' ends; logs (the ends of):\n{Tail(doomed.Log)}\n{Tail(survivor.Log)}");
        }

        var unlogged = childIds.Count(id => !decided.Contains(id));
        var told = childIds.Count(id => FlowCheck.After(final[id]).Contains(first) && FlowCheck.StartedAt(final[id]) < killedAt);
        var ofFirst = childIds.Count(id => FlowCheck.After(final[id]).Contains(first));
        output.WriteLine($"kill -9 {killAfter.TotalSeconds:0.0} s after the parents were resumed; {told} of the first parent's {ofFirst} children started before the kill, the rest after; every task ended {tookAfterKill.TotalSeconds:0.0} s after it; {unlogged} starts not in the logs; logs of {doomed.Log.Length:N0} and {survivor.Log.Length:N0} characters");
    }

    [Fact]
    public async Task A_10_s_PostgreSQL_outage_in_the_middle_of_1000_flows_leaves_every_child_ended_as_its_parents_decide()
    {
        // TASKER_FLOW_OUTAGE_FLOWS runs it smaller (or larger) by hand, TASKER_FLOW_OUTAGE_TASK_LOG=Information with the task
        // grains' lines; a task left unended is printed with its parents, its due entries and the silos' lines that name them.
        var flows = int.Parse(Environment.GetEnvironmentVariable("TASKER_FLOW_OUTAGE_FLOWS") ?? "1000", CultureInfo.InvariantCulture);
        const int flowsPerBatch = 20;
        const string client = "flow-outage";
        var clusterId = "f" + Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string>
        {
            // build/services.sh runs PostgreSQL with synchronous_commit off, and its stop is a crash that then loses
            // commits it had acknowledged: a production server keeps them, and so must this one (as in the chaos soak).
            ["ConnectionStrings__Postgres"] = servers.Postgres.TrimEnd(';') + ";Options=-c synchronous_commit=on",
            ["Tasker__MaxHistoryPerClient"] = "100000",
            ["Logging__LogLevel__Default"] = "Error",
            ["Logging__LogLevel__Orleans"] = "Critical",
            ["Logging__LogLevel__Tasker"] = "Warning",
        };
        if (Environment.GetEnvironmentVariable("TASKER_FLOW_OUTAGE_TASK_LOG") is { Length: > 0 } level)
        {
            settings["Logging__LogLevel__Tasker.Tasks"] = level; // The task grains' own lines, to follow one task by hand.
        }

        await using var first = new SiloProcess(servers, clusterId, settings);
        await using var second = new SiloProcess(servers, clusterId, settings);
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        SiloProcess[] silos = [first, second];

        // Each flow: a count and a sum2, a sum-results after both (all_succeeded), a sum2 after that (all_ended), and a
        // sum-results after those two (all_succeeded). Some first parents are cancelled, some time out, and some second
        // parents are an input task, whose result sum-results cannot add (it fails): their children must fail in turn.
        object[] Flow(int k)
        {
            var key = $"{clusterId}-{k}-";
            object count = (k % 10) switch
            {
                5 => new { type = "count", @params = new { to = 40, delay_ms = 100 }, timeout = "PT1S", client, idempotency_key = key + 0 },
                _ => new { type = "count", @params = new { to = 5 + (k % 16), delay_ms = 100 }, client, idempotency_key = key + 0 },
            };
            object second = k % 10 == 7
                ? new { type = "input", @params = new { input_param = $"flow {k}" }, client, idempotency_key = key + 1 }
                : new { type = "sum2", @params = new { first = k, second = 1 }, client, idempotency_key = key + 1 };
            return
            [
                count,
                second,
                new { type = "sum-results", after = new[] { "#0", "#1" }, client, idempotency_key = key + 2 },
                new { type = "sum2", @params = new { first = k, second = 2 }, after = new[] { "#2" }, after_policy = "all_ended", client, idempotency_key = key + 3 },
                new { type = "sum-results", after = new[] { "#2", "#3" }, client, idempotency_key = key + 4 },
            ];
        }

        var acknowledged = new ConcurrentDictionary<(int Flow, int Item), string>();
        var unavailable = 0;
        var next = -1;
        var batches = (flows + flowsPerBatch - 1) / flowsPerBatch;
        async Task SubmitAsync(int worker)
        {
            int b;
            while ((b = Interlocked.Increment(ref next)) < batches)
            {
                var ks = Enumerable.Range(b * flowsPerBatch, flowsPerBatch).ToList();
                // Every flow's items in one batch; #n renumbered to the flow's place in it.
                var items = ks.SelectMany((k, f) => Flow(k).Select(item => Renumber(item, f * 5))).ToList();
                for (var attempt = 0; ; attempt++)
                {
                    var silo = silos[(b + attempt + worker) % 2];
                    var answer = await TryPostAsync(silo, "/tasks/batch", items);
                    var missing = 0;
                    if (answer is { } results)
                    {
                        for (var i = 0; i < items.Count; i++)
                        {
                            var result = results[i];
                            if (result.GetProperty("status").GetInt32() is 200 or 202)
                            {
                                var id = result.GetProperty("task").GetProperty("id").GetString()!;
                                var was = acknowledged.GetOrAdd((ks[i / 5], i % 5), id);
                                Assert.True(was == id, $"item {i % 5} of flow {ks[i / 5]} was acknowledged as {was}, then as {id} with the same key");
                            }
                            else
                            {
                                Assert.True(result.GetProperty("status").GetInt32() is 503 or 422,
                                    $"item {i % 5} of flow {ks[i / 5]}: {result.GetRawText()}"); // 422: its parent item was not created (503).
                                missing++;
                            }
                        }
                    }
                    else
                    {
                        missing = items.Count;
                    }

                    if (missing == 0)
                    {
                        break;
                    }

                    Interlocked.Increment(ref unavailable);
                    Assert.True(attempt < 120, $"batch {b} still had {missing} items refused after 120 tries");
                    await Task.Delay(500);
                }

                foreach (var k in ks.Where(k => k % 10 == 3))
                {
                    // Cancelled while it runs (or already ended: then it simply stays as it ended).
                    await TryPostAsync(silos[k % 2], $"/tasks/{acknowledged[(k, 0)]}/cancel", new { });
                }
            }
        }

        var clock = Stopwatch.StartNew();
        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(SubmitAsync));
        await Retry.UntilAsync(() => Task.FromResult(acknowledged.Count), TimeSpan.FromMinutes(3), c => c >= flows * 5 * 3 / 10 || load.IsCompleted);
        var outageAt = clock.Elapsed;
        await servers.StopPostgresAsync();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
        }
        finally
        {
            await servers.StartPostgresAsync();
        }

        var outageEnded = clock.Elapsed;
        await load;
        var submitted = clock.Elapsed;
        Assert.Equal(flows * 5, acknowledged.Count);

        // A chunk deferred by the outage goes on at its reminder's next minute, and what it ends tells its children then.
        var final = await FinalAsync(first, [.. acknowledged.Values], TimeSpan.FromSeconds(240));
        var ended = clock.Elapsed;
        if (final.Count < acknowledged.Count)
        {
            var unended = new List<string>();
            foreach (var id in acknowledged.Values.Where(id => !final.ContainsKey(id)).Take(5))
            {
                unended.Add(await DescribeStuckAsync(silos, clusterId, id));
            }

            Assert.Fail($"{acknowledged.Count - final.Count} of {acknowledged.Count} tasks did not end within 240 s after the load:\n{string.Join("\n", unended)}\nlog:\n{first.Log[^Math.Min(first.Log.Length, 20_000)..]}");
        }

        var listedWaiting = await StillListedWaitingAsync(first, client);
        Assert.True(listedWaiting.Count == 0, $"{listedWaiting.Count} ended tasks are still listed as waiting:\n{string.Join("\n", listedWaiting.Take(3))}");

        var violations = new List<string>();
        foreach (var ((k, item), id) in acknowledged.Where(a => a.Key.Item >= 2))
        {
            var child = final[id];
            var theirParents = FlowCheck.After(child).Select(p => final[p]).ToList();
            if (FlowCheck.Violation(child, theirParents) is { } violation)
            {
                violations.Add($"flow {k} item {item}: {violation}");
            }
            else if (item == 3 && child.GetProperty("result").GetRawText() != (k + 2).ToString(CultureInfo.InvariantCulture))
            {
                violations.Add($"flow {k} item 3: result {child.GetProperty("result").GetRawText()}, expected {k + 2}");
            }
        }

        Assert.True(violations.Count == 0, $"{violations.Count} children did not end as their parents decide:\n{string.Join("\n", violations.Take(20))}");
        var outcomes = acknowledged.Where(a => a.Key.Item == 4).GroupBy(a => $"{final[a.Value].GetProperty("status").GetString()} {FlowCheck.Text(final[a.Value], "errorCode")}".Trim());
        output.WriteLine($"{flows} flows ({flows * 5} tasks) in {submitted.TotalSeconds:0.0} s, PostgreSQL down from {outageAt.TotalSeconds:0.0} s to {outageEnded.TotalSeconds:0.0} s, "
            + $"{unavailable} batches retried; all ended at {ended.TotalSeconds:0.0} s; last children: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Count()}"))}");
    }

    /// <summary>
    /// A task that did not end, for the failure message: its view, its parents' views, the due entries stored for it and
    /// them, and every line of either silo's log that names one of them.
    /// </summary>
    private async Task<string> DescribeStuckAsync(SiloProcess[] silos, string clusterId, string id)
    {
        var text = new System.Text.StringBuilder();
        var view = await TryGetAsync(silos[0], $"/tasks/{id}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{id}: {view?.GetRawText()}");
        List<string> ids = [id, .. view is { } v ? FlowCheck.After(v) : []];
        foreach (var parent in ids.Skip(1))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  parent {parent}: {(await TryGetAsync(silos[0], $"/tasks/{parent}"))?.GetRawText()}");
        }

        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(servers.Postgres);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT task_id, shard, due_at FROM tasker_due WHERE service_id = $1 AND task_id = ANY($2)", connection);
            command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = clusterId });
            command.Parameters.Add(new Npgsql.NpgsqlParameter<string[]> { TypedValue = [.. ids] });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  due entry: {reader.GetString(0)} shard {reader.GetInt16(1)} at {reader.GetFieldValue<DateTimeOffset>(2):O}");
            }
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or InvalidOperationException)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  due entries not read: {exception.Message}");
        }

        for (var s = 0; s < silos.Length; s++)
        {
            foreach (var line in silos[s].Log.Split('\n').Where(line => ids.Any(line.Contains)).Take(40))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  silo {s}: {line}");
            }
        }

        output.WriteLine(text.ToString());
        return text.ToString();
    }

    /// <summary>A batch item with its references to earlier items (#n) moved by <paramref name="by"/> places.</summary>
    private static JsonElement Renumber(object item, int by)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(item))!.AsObject();
        if (node["after"] is System.Text.Json.Nodes.JsonArray after)
        {
            node["after"] = new System.Text.Json.Nodes.JsonArray([.. after.Select(a => (System.Text.Json.Nodes.JsonNode?)$"#{int.Parse(a!.GetValue<string>()[1..], CultureInfo.InvariantCulture) + by}")]);
        }

        return JsonSerializer.SerializeToElement(node);
    }

    private static async Task<JsonElement> PostAsync(SiloProcess silo, string path, object body)
    {
        using var response = await silo.Http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        var answer = JsonDocument.Parse(text).RootElement.Clone();
        if (answer.TryGetProperty("refused", out var refused))
        {
            Assert.True(refused.GetInt32() == 0, $"POST {path}: {text}");
        }

        return answer;
    }

    /// <summary>The results of a batch (or null when there was no answer, or a whole 503); for another POST, its answer's results or an empty list.</summary>
    private static async Task<List<JsonElement>?> TryPostAsync(SiloProcess silo, string path, object body)
    {
        try
        {
            using var response = await silo.Http.PostAsJsonAsync(path, body);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return null;
            }

            Assert.True(response.IsSuccessStatusCode || (!path.EndsWith("/batch", StringComparison.Ordinal) && response.StatusCode == HttpStatusCode.Conflict),
                $"POST {path}: {(int)response.StatusCode} {text}");
            var answer = JsonDocument.Parse(text).RootElement;
            return answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("results", out var results)
                ? [.. results.EnumerateArray().Select(r => r.Clone())]
                : [];
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Each task's view once it has ended; those still not ended after <paramref name="within"/> are missing.</summary>
    private static async Task<Dictionary<string, JsonElement>> FinalAsync(SiloProcess silo, IReadOnlyList<string> ids, TimeSpan within)
    {
        var final = new ConcurrentDictionary<string, JsonElement>();
        var deadline = DateTime.UtcNow + within;
        while (final.Count < ids.Count && DateTime.UtcNow < deadline)
        {
            await Parallel.ForEachAsync(ids.Where(id => !final.ContainsKey(id)), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
            {
                if (await TryGetAsync(silo, $"/tasks/{id}") is { } task && task.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled")
                {
                    final[id] = task;
                }
            });
            if (final.Count < ids.Count)
            {
                await Task.Delay(1000);
            }
        }

        return new Dictionary<string, JsonElement>(final);
    }

    /// <summary>
    /// The client's tasks still listed as waiting 90 s after every task ended, each with its own view. The listing is
    /// the client's history, which converges to each task's end (docs/adr/014): a line that could not be written while
    /// the killed silo was not yet declared dead is written again by the task's reminder.
    /// </summary>
    private static async Task<List<string>> StillListedWaitingAsync(SiloProcess silo, string client)
    {
        // A history line that failed with the killed silo (its client grain was there) is written again by the task's
        // reminder (docs/adr/014): once the silo is declared dead and the reminder's minute has come, so allow three.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        List<string> waiting;
        do
        {
            var page = await Retry.UntilAsync(() => TryGetAsync(silo, $"/tasks?client={client}&status=waiting&limit=500"), TimeSpan.FromSeconds(30), p => p is not null);
            waiting = [.. page!.Value.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];
            if (waiting.Count > 0)
            {
                await Task.Delay(1000);
            }
        }
        while (waiting.Count > 0 && DateTime.UtcNow < deadline);

        var views = new List<string>();
        foreach (var id in waiting)
        {
            views.Add($"{id}: {(await TryGetAsync(silo, $"/tasks/{id}"))?.GetRawText()}");
        }

        return views;
    }

    private static async Task<JsonElement?> TryGetAsync(SiloProcess silo, string path)
    {
        try
        {
            using var response = await silo.Http.GetAsync(path);
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone() : null;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return null; // The silo is busy taking over.
        }
    }

    /// <summary>The children's starts by their parents' ends logged by both silos, once each child's is in (10 s at most).</summary>
    private static async Task<List<string>> DecidedAsync(SiloProcess doomed, SiloProcess survivor, IReadOnlyCollection<string> childIds)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var decided = Decided().Matches(doomed.Log + survivor.Log).Select(m => m.Groups["id"].Value).ToList();
            if (watch.Elapsed > TimeSpan.FromSeconds(10) || childIds.All(new HashSet<string>(decided).Contains))
            {
                return decided;
            }

            await Task.Delay(100);
        }
    }

    private static string Tail(string log) => log.Length <= 100_000 ? log : "…" + log[^100_000..];

    private static Regex ParentEnded(IEnumerable<string> ids) =>
        new($@"Task (?<id>{string.Join("|", ids)}) of [^,\n]+ ended succeeded", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"Task (?<id>[0-9a-f]{32}) of [^:\n]+: its parents have decided")]
    private static partial Regex Decided();
}
