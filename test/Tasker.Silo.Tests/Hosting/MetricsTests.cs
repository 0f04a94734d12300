using System.Globalization;
using System.Net;

namespace Tasker.Silo.Tests;

[Collection(ApiCollection.Name)]
public sealed class MetricsTests(TaskerApiFixture api)
{
    private const int Submitted = 5;
    private readonly HttpClient _http = api.CreateClient();

    [Fact]
    public async Task Metrics_count_each_accepted_and_completed_task_in_Prometheus_format()
    {
        // Tasker's meter is static, so other silos of this test process add to the same series: the counts must grow by
        // at least what this test did, and a count that does not move fails.
        var before = await ScrapeAsync();
        var client = ApiTestExtensions.UniqueClient("metrics");
        var operand = Random.Shared.NextInt64(1_000_000_000, 9_000_000_000);
        for (var i = 0; i < Submitted; i++)
        {
            await _http.SubmitAsync("mult3", $$"""{"first":{{operand + i}},"second":7,"third":3}""", client);
        }

        var after = before;
        for (var tries = 0; tries < 50 && Grown(before, after) < Submitted; tries++)
        {
            await Task.Delay(200); // the exporter may answer a cached scrape for a moment
            after = await ScrapeAsync();
        }

        Assert.True(Accepted(after) - Accepted(before) >= Submitted, $"accepted {Accepted(before)} -> {Accepted(after)}");
        Assert.True(Succeeded(after) - Succeeded(before) >= Submitted, $"succeeded {Succeeded(before)} -> {Succeeded(after)}");
        Assert.True(LatencyCount(after) - LatencyCount(before) >= Submitted, $"latency count {LatencyCount(before)} -> {LatencyCount(after)}");
    }

    private static double Grown(string before, string after) =>
        Math.Min(Accepted(after) - Accepted(before), Math.Min(Succeeded(after) - Succeeded(before), LatencyCount(after) - LatencyCount(before)));

    private static double Accepted(string text) => Sum(text, "tasker_tasks_accepted_total{", "type=\"mult3\"");

    private static double Succeeded(string text) => Sum(text, "tasker_tasks_completed_total{", "type=\"mult3\"", "outcome=\"succeeded\"");

    private static double LatencyCount(string text) => Sum(text, "tasker_tasks_latency_seconds_count{", "type=\"mult3\"", "outcome=\"succeeded\"");

    /// <summary>The sum of the samples of one metric whose labels include every given one (0 when there is none yet).</summary>
    private static double Sum(string text, string metric, params string[] labels) => text
        .Split('\n')
        .Where(line => line.StartsWith(metric, StringComparison.Ordinal) && labels.All(label => line.Contains(label, StringComparison.Ordinal)))
        .Sum(line => double.Parse(line[(line.IndexOf('}', StringComparison.Ordinal) + 2)..].Split(' ')[0], CultureInfo.InvariantCulture));

    private async Task<string> ScrapeAsync()
    {
        using var response = await _http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
