using System.Globalization;
using System.Net;
using System.Text.Json;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

/// <summary>
/// The result cache seen over HTTP: a repeated deterministic request is answered with cached: true under its own id,
/// key order and number formatting do not matter, and concurrent identical requests share one computation.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ResultCacheHttpTests(TaskerApiFixture api)
{
    private readonly HttpClient _http = api.CreateClient();

    /// <summary>A decimal no other request uses: a unique whole part, and a fraction ending in a non-zero digit.</summary>
    private static string UniqueNumber() =>
        string.Create(CultureInfo.InvariantCulture, $"{UniqueParameters.Number()}.{Random.Shared.Next(1, 99_999) * 10 + 7}");

    private static int UniqueSequenceN() => UniqueParameters.Int(150, 1_000);

    private static decimal Number(JsonElement element) => decimal.Parse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("""{"first":7919,"second":UNIQUE}""")]
    [InlineData("""{"second":UNIQUE,"first":7919}""")]
    [InlineData("""{"first":7919.0,"second":UNIQUE}""")]
    [InlineData("""{"second":UNIQUE,"first":7919.000}""")]
    [InlineData("""{"first":7.919e3,"second":UNIQUE}""")]
    [InlineData("""{"first":79190E-1,"second":UNIQUE}""")]
    public async Task Repeated_sum2_is_answered_from_the_cache_under_its_own_id(string repeatTemplate)
    {
        var client = ApiTestExtensions.UniqueClient("cache");
        var unique = UniqueNumber();
        var expected = 7919m + decimal.Parse(unique, CultureInfo.InvariantCulture);

        var first = await _http.PostTaskAsync("sum2", $$"""{"first":7919,"second":{{unique}}}""", client);
        var repeat = await _http.PostTaskAsync("sum2", repeatTemplate.Replace("UNIQUE", unique, StringComparison.Ordinal), client);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.False(first.Body.GetProperty("cached").GetBoolean());
        Assert.Equal(expected, Number(first.Body.GetProperty("result")));

        Assert.Equal(HttpStatusCode.OK, repeat.Status);
        Assert.True(repeat.Body.GetProperty("cached").GetBoolean(), $"not cached: {repeat.Body}");
        Assert.Equal("succeeded", repeat.Body.Status());
        Assert.NotEqual(first.Body.GetProperty("id").GetString(), repeat.Body.GetProperty("id").GetString());
        Assert.Equal(first.Body.GetProperty("result").GetRawText(), repeat.Body.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Cache_hit_is_a_request_of_its_own_in_the_client_history_with_cached_true()
    {
        var client = ApiTestExtensions.UniqueClient("cache");
        var parameters = $$"""{"first":{{UniqueNumber()}},"second":{{UniqueNumber()}}}""";

        var first = await _http.PostTaskAsync("sum2", parameters, client);
        var hit = await _http.PostTaskAsync("sum2", parameters, client);
        var firstId = first.Body.GetProperty("id").GetString()!;
        var hitId = hit.Body.GetProperty("id").GetString()!;

        var (status, history) = await _http.GetJsonAsync($"/clients/{client}/tasks");
        Assert.Equal(HttpStatusCode.OK, status);
        var items = history.Items().ToDictionary(i => i.GetProperty("id").GetString()!);
        Assert.Equal(2, items.Count);
        Assert.False(items[firstId].GetProperty("cached").GetBoolean());
        Assert.True(items[hitId].GetProperty("cached").GetBoolean());
        Assert.Equal("succeeded", items[hitId].Status());

        var (_, task) = await _http.GetJsonAsync($"/tasks/{hitId}");
        Assert.True(task.GetProperty("cached").GetBoolean());
        Assert.Equal(client, task.GetProperty("client").GetString());
        var (resultStatus, result) = await _http.GetJsonAsync($"/tasks/{hitId}/result");
        Assert.Equal(HttpStatusCode.OK, resultStatus);
        Assert.True(result.GetProperty("cached").GetBoolean());
        Assert.Equal(first.Body.GetProperty("result").GetRawText(), result.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Cache_is_shared_between_clients()
    {
        var parameters = $$"""{"first":{{UniqueNumber()}},"second":3}""";

        var first = await _http.PostTaskAsync("sum2", parameters, ApiTestExtensions.UniqueClient("cache-a"));
        var other = await _http.PostTaskAsync("sum2", parameters, ApiTestExtensions.UniqueClient("cache-b"));

        Assert.False(first.Body.GetProperty("cached").GetBoolean());
        Assert.True(other.Body.GetProperty("cached").GetBoolean());
    }

    [Fact]
    public async Task Different_parameters_are_not_answered_from_the_cache()
    {
        var client = ApiTestExtensions.UniqueClient("cache");
        var unique = UniqueNumber();

        var first = await _http.PostTaskAsync("sum2", $$"""{"first":1,"second":{{unique}}}""", client);
        var swapped = await _http.PostTaskAsync("mult3", $$"""{"first":1,"second":{{unique}},"third":1}""", client);
        var other = await _http.PostTaskAsync("sum2", $$"""{"first":2,"second":{{unique}}}""", client);

        Assert.False(first.Body.GetProperty("cached").GetBoolean());
        Assert.False(swapped.Body.GetProperty("cached").GetBoolean());
        Assert.False(other.Body.GetProperty("cached").GetBoolean());
    }

    [Fact]
    public async Task Concurrent_identical_sum2_requests_compute_once_and_share_the_result()
    {
        const int n = 20;
        var client = ApiTestExtensions.UniqueClient("flight");
        var parameters = $$"""{"first":{{UniqueNumber()}},"second":{{UniqueNumber()}}}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, n).Select(_ => _http.PostTaskAsync("sum2", parameters, client)));

        Assert.All(responses, r => Assert.True(r.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"answered {(int)r.Status}: {r.Body}"));
        Assert.Single(responses, r => !r.Body.GetProperty("cached").GetBoolean());
        Assert.Equal(n - 1, responses.Count(r => r.Body.GetProperty("cached").GetBoolean()));
        Assert.Single(responses, r => r.Status == HttpStatusCode.Accepted);
        Assert.Equal(n, responses.Select(r => r.Body.GetProperty("id").GetString()).Distinct().Count());
        Assert.Single(responses.Select(r => r.Body.GetProperty("result").GetRawText()).Distinct());
        Assert.All(responses, r => Assert.Equal("succeeded", r.Body.Status()));

        var (_, history) = await _http.GetJsonAsync($"/clients/{client}/tasks?limit=100");
        Assert.Equal(n, history.Items().Count);
        Assert.Single(history.Items(), i => !i.GetProperty("cached").GetBoolean());
    }

    [Fact]
    public async Task Concurrent_identical_sequence_requests_share_one_computation()
    {
        const int n = 6;
        var terms = UniqueSequenceN();
        var expected = (long)terms * (terms + 1) / 2;
        var client = ApiTestExtensions.UniqueClient("seqflight");

        var responses = await Task.WhenAll(Enumerable.Range(0, n).Select(_ => _http.PostTaskAsync("sequence", $$"""{"n":{{terms}}}""", client)));

        Assert.All(responses, r => Assert.True(r.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"answered {(int)r.Status}: {r.Body}"));
        var ids = responses.Select(r => r.Body.GetProperty("id").GetString()!).ToList();
        Assert.Equal(n, ids.Distinct().Count());

        var finals = new List<JsonElement>();
        foreach (var id in ids)
        {
            finals.Add(await _http.WaitForAsync(id, t => t.Status() is "succeeded" or "failed" or "cancelled"));
        }

        Assert.All(finals, t => Assert.Equal("succeeded", t.Status()));
        Assert.All(finals, t => Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), t.GetProperty("result").GetRawText()));
        Assert.Single(finals, t => !t.GetProperty("cached").GetBoolean());
        Assert.Equal(n - 1, finals.Count(t => t.GetProperty("cached").GetBoolean()));

        // The one that computed made the children; a cached one made none.
        var leader = finals.Single(t => !t.GetProperty("cached").GetBoolean()).GetProperty("id").GetString();
        var follower = finals.First(t => t.GetProperty("cached").GetBoolean()).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await _http.GetJsonAsync($"/tasks/{leader}.{terms}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetJsonAsync($"/tasks/{follower}.1")).Status);
    }

    [Fact]
    public async Task Repeated_sequence_after_it_succeeded_is_answered_at_once_from_the_cache()
    {
        var terms = UniqueSequenceN();
        var client = ApiTestExtensions.UniqueClient("seqcache");
        var firstId = await _http.SubmitAsync("sequence", $$"""{"n":{{terms}}}""", client);
        var first = await _http.WaitForStatusAsync(firstId, "succeeded");

        var repeat = await _http.PostTaskAsync("sequence", $$"""{"n":{{terms}}}""", client);

        Assert.Equal(HttpStatusCode.OK, repeat.Status);
        Assert.True(repeat.Body.GetProperty("cached").GetBoolean());
        Assert.Equal("succeeded", repeat.Body.Status());
        Assert.NotEqual(firstId, repeat.Body.GetProperty("id").GetString());
        Assert.Equal(first.GetProperty("result").GetRawText(), repeat.Body.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Count_is_never_answered_from_the_cache()
    {
        var client = ApiTestExtensions.UniqueClient("nocache");
        var first = await _http.SubmitCountAsync(client, 7, delayMs: 0);
        await _http.WaitForStatusAsync(first, "succeeded");

        var repeat = await _http.PostTaskAsync("count", """{"to":7,"delay_ms":0}""", client);

        Assert.Equal(HttpStatusCode.Accepted, repeat.Status);
        Assert.False(repeat.Body.GetProperty("cached").GetBoolean());
    }
}
