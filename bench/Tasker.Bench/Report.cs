using System.Globalization;
using System.Text.Json;
using Tasker.Bench.Measuring;

namespace Tasker.Bench;

/// <summary>
/// Prints the comparison table from a results folder laid out as <c>run-&lt;r&gt;/&lt;scenario&gt;.json</c>: per
/// scenario the median of the runs with min and max, then Tasker/Hangfire ratios computed within each run (the
/// machine is noisy: only figures of the same run are compared), then the issue's targets.
/// </summary>
public static class Report
{
    /// <summary>How results are written and read.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly string[] _order =
        ["tasker-embedded", "hangfire-inmemory", "tasker-cluster-1", "baseline-cluster-1", "tasker-cluster-2", "hangfire-redis", "hangfire-postgres"];

    private static readonly (string Tasker, string Peer)[] _ratios =
    [
        ("tasker-cluster-1", "hangfire-redis"),
        ("tasker-cluster-1", "hangfire-postgres"),
        ("tasker-cluster-2", "hangfire-redis"),
        ("tasker-cluster-2", "hangfire-postgres"),
        ("tasker-embedded", "hangfire-inmemory"),
        ("tasker-cluster-2", "tasker-cluster-1"),
        ("baseline-cluster-1", "hangfire-redis"),
        ("tasker-cluster-1", "baseline-cluster-1"),
    ];

    /// <summary>Prints the tables; returns 1 when there are no results or any task failed.</summary>
    public static int Print(string directory, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var runs = Directory.Exists(directory)
            ? Directory.GetDirectories(directory, "run-*").Order(StringComparer.Ordinal)
                .Select(d => Directory.GetFiles(d, "*.json")
                    .Select(f => JsonSerializer.Deserialize<ScenarioResult>(File.ReadAllText(f), Json)!)
                    .ToDictionary(r => r.Scenario))
                .Where(r => r.Count > 0)
                .ToList()
            : [];
        if (runs.Count == 0)
        {
            output.WriteLine($"no results under {directory}");
            return 1;
        }

        var scenarios = _order.Where(s => runs.Any(r => r.ContainsKey(s)))
            .Concat(runs.SelectMany(r => r.Keys).Distinct().Where(s => !_order.Contains(s)).Order(StringComparer.Ordinal))
            .ToList();
        var first = runs.SelectMany(r => r.Values).First();
        output.WriteLine($"{runs.Count} run(s); N = {first.Tasks} sum2/add tasks under load from K = {first.Concurrency} concurrent clients; " +
            $"one-at-a-time latency over {first.LowLoad.Count} tasks. Each cell: median of the runs (min–max).");
        output.WriteLine();
        output.WriteLine("| scenario | end-to-end tasks/s | under load: submit p50 / p99 ms | under load: done p50 / p90 / p99 / max ms | one at a time: done p50 / p99 ms | peak RSS MiB | failed |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
        var failed = 0;
        foreach (var scenario in scenarios)
        {
            var results = runs.Where(r => r.ContainsKey(scenario)).Select(r => r[scenario]).ToList();
            failed += results.Sum(r => r.Failed);
            string Cell(Func<ScenarioResult, double> pick, string format) => Spread(results.Select(pick).ToList(), format);
            output.WriteLine(
                $"| {scenario} | {Cell(r => r.ThroughputPerSecond, "N0")} " +
                $"| {Cell(r => r.Submit.P50, "0.0")} / {Cell(r => r.Submit.P99, "0.0")} " +
                $"| {Cell(r => r.Done.P50, "0.0")} / {Cell(r => r.Done.P90, "0.0")} / {Cell(r => r.Done.P99, "0.0")} / {Cell(r => r.Done.Max, "0")} " +
                $"| {Cell(r => r.LowLoad.P50, "0.00")} / {Cell(r => r.LowLoad.P99, "0.00")} " +
                $"| {Cell(r => r.PeakRssMiB, "N0")} | {results.Sum(r => r.Failed).ToString(CultureInfo.InvariantCulture)} |");
        }

        output.WriteLine();
        output.WriteLine("| ratio, within each run | end-to-end throughput | one at a time p99 (peer / Tasker) |");
        output.WriteLine("| --- | --- | --- |");
        foreach (var (tasker, peer) in _ratios)
        {
            var pairs = runs.Where(r => r.ContainsKey(tasker) && r.ContainsKey(peer)).Select(r => (T: r[tasker], P: r[peer])).ToList();
            if (pairs.Count > 0)
            {
                output.WriteLine(
                    $"| {tasker} / {peer} | {Spread(pairs.Select(p => p.T.ThroughputPerSecond / p.P.ThroughputPerSecond).ToList(), "0.00")}× " +
                    $"| {Spread(pairs.Select(p => p.P.LowLoad.P99 / p.T.LowLoad.P99).ToList(), "0.00")}× |");
            }
        }

        output.WriteLine();
        output.WriteLine("| target (issue 5) | measured (median) | met |");
        output.WriteLine("| --- | --- | --- |");
        double? Median(string scenario, Func<ScenarioResult, double> pick)
        {
            var values = runs.Where(r => r.ContainsKey(scenario)).Select(r => pick(r[scenario])).ToList();
            return values.Count == 0 ? null : MedianOf(values);
        }

        double? Ratio(string tasker, string peer)
        {
            var values = runs.Where(r => r.ContainsKey(tasker) && r.ContainsKey(peer))
                .Select(r => r[tasker].ThroughputPerSecond / r[peer].ThroughputPerSecond).ToList();
            return values.Count == 0 ? null : MedianOf(values);
        }

        void Target(string text, double? value, Func<double, bool> met, string format, string unit)
        {
            var shown = value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) + unit : "not measured";
            var verdict = value is { } m ? (met(m) ? "yes" : "**no**") : "–";
            output.WriteLine($"| {text} | {shown} | {verdict} |");
        }

        foreach (var cluster in new[] { "tasker-cluster-1", "tasker-cluster-2" })
        {
            Target($"{cluster}: ≥ 3,000 tasks/s end-to-end", Median(cluster, r => r.ThroughputPerSecond), v => v >= 3000, "N0", " /s");
            Target($"{cluster}: ≥ 6× Hangfire+Redis", Ratio(cluster, "hangfire-redis"), v => v >= 6, "0.00", "×");
            Target($"{cluster}: ≥ 30× Hangfire+PostgreSQL", Ratio(cluster, "hangfire-postgres"), v => v >= 30, "0.00", "×");
            Target($"{cluster}: one at a time p99 ≤ 10 ms", Median(cluster, r => r.LowLoad.P99), v => v <= 10, "0.00", " ms");
        }

        Target("tasker-embedded: ≥ 20,000 tasks/s end-to-end", Median("tasker-embedded", r => r.ThroughputPerSecond), v => v >= 20_000, "N0", " /s");
        Target("tasker-embedded: ≥ 5× Hangfire InMemory", Ratio("tasker-embedded", "hangfire-inmemory"), v => v >= 5, "0.00", "×");
        Target("tasker-embedded: one at a time p99 ≤ 2 ms", Median("tasker-embedded", r => r.LowLoad.P99), v => v <= 2, "0.00", " ms");
        return failed > 0 ? 1 : 0;
    }

    private static string Spread(List<double> values, string format)
    {
        string Show(double v) => v.ToString(format, CultureInfo.InvariantCulture);
        return values.Count == 1 ? Show(values[0]) : $"{Show(MedianOf(values))} ({Show(values.Min())}–{Show(values.Max())})";
    }

    private static double MedianOf(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
