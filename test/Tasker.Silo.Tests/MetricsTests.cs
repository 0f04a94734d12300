using System.Net;

namespace Tasker.Silo.Tests;

[Collection(ApiCollection.Name)]
public sealed class MetricsTests(TaskerApiFixture api)
{
    private readonly HttpClient _http = api.CreateClient();

    [Fact]
    public async Task Metrics_count_accepted_and_completed_tasks_in_Prometheus_format()
    {
        await _http.SubmitAsync("sum2", """{"first":123456,"second":654321}""", ApiTestExtensions.UniqueClient("metrics"));

        using var response = await _http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("tasker_tasks_accepted_total{", text, StringComparison.Ordinal);
        Assert.Contains("tasker_tasks_completed_total{", text, StringComparison.Ordinal);
        Assert.Contains("outcome=\"succeeded\"", text, StringComparison.Ordinal);
        Assert.Contains("tasker_tasks_latency_seconds_bucket{", text, StringComparison.Ordinal);
    }
}
