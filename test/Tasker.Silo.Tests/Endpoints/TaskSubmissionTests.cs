using System.Net;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

[Collection(ApiCollection.Name)]
public sealed class TaskSubmissionTests(TaskerApiFixture api)
{
    private readonly HttpClient _http = api.CreateClient();

    [Fact]
    public async Task The_api_reference_requires_type_and_params_of_a_submission_and_leaves_client_to_the_sign_in()
    {
        using var document = System.Text.Json.JsonDocument.Parse(await _http.GetStringAsync("/openapi/v1.json"));
        var schema = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("SubmitTaskRequest");

        Assert.Equal(["params", "type"], schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal));
        Assert.True(schema.GetProperty("properties").TryGetProperty("client", out _));
    }

    [Fact]
    public async Task Sum2_succeeds_with_its_sum_and_a_location()
    {
        var client = ApiTestExtensions.UniqueClient("sum");
        // Operands no other test sends: sum2 of 1 and 2, which many tests of this server send, may be answered from the cache.
        var first = UniqueParameters.Number();
        using var content = new StringContent($$"""{"type":"sum2","params":{"first":{{first}},"second":2},"client":"{{client}}"}""", System.Text.Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync("/tasks", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        Assert.Equal($"/tasks/{id}", response.Headers.Location?.OriginalString);
        var task = await _http.WaitForStatusAsync(id!, "succeeded");
        Assert.Equal((first + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), task.GetProperty("result").GetRawText());
        Assert.False(task.GetProperty("cached").GetBoolean());
    }

    [Theory]
    [InlineData("""{"first":1,"second":2,"third":-1}""", "-2")]
    [InlineData("""{"first":0.5,"second":4,"third":1.25}""", "2.5")]
    [InlineData("""{"first":79228162514264337593543950335,"second":1,"third":-1}""", "-79228162514264337593543950335")]
    public async Task Mult3_returns_the_exact_product(string parameters, string expected)
    {
        var id = await _http.SubmitAsync("mult3", parameters, ApiTestExtensions.UniqueClient("mult"));
        var task = await _http.WaitForStatusAsync(id, "succeeded");
        Assert.Equal(expected, task.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Sum2_adds_decimals_exactly()
    {
        var id = await _http.SubmitAsync("sum2", """{"first":0.1,"second":0.2}""", ApiTestExtensions.UniqueClient("sum"));
        var task = await _http.WaitForStatusAsync(id, "succeeded");
        Assert.Equal("0.3", task.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Surprise_returns_the_requested_line_of_the_song()
    {
        var id = await _http.SubmitAsync("surprise", """{"first":2}""", ApiTestExtensions.UniqueClient("surprise"));
        var task = await _http.WaitForStatusAsync(id, "succeeded");
        Assert.Equal("How I wonder what you are!", task.GetProperty("result").GetString());
    }

    [Fact]
    public async Task Input_returns_length_words_reversal_and_hash_of_the_string()
    {
        var id = await _http.SubmitAsync("input", """{"input_param":"hello world"}""", ApiTestExtensions.UniqueClient("input"));
        var result = (await _http.WaitForStatusAsync(id, "succeeded")).GetProperty("result");
        Assert.Equal(11, result.GetProperty("length").GetInt32());
        Assert.Equal(2, result.GetProperty("words").GetInt32());
        Assert.Equal("dlrow olleh", result.GetProperty("reversed").GetString());
        Assert.Equal("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", result.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Sequence_of_10_sums_to_55_through_10_child_sum2_tasks()
    {
        var id = await _http.SubmitAsync("sequence", """{"n":10}""", ApiTestExtensions.UniqueClient("seq"));
        var task = await _http.WaitForStatusAsync(id, "succeeded");
        Assert.Equal("55", task.GetProperty("result").GetRawText());
        Assert.Equal(10, task.Done());

        var (status, child) = await _http.GetJsonAsync($"/tasks/{id}.10");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("sum2", child.GetProperty("type").GetString());
        Assert.Equal(id, child.GetProperty("parentId").GetString());
        Assert.Equal("55", child.GetProperty("result").GetRawText());
    }
}
