using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Tasker.Handlers;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

/// <summary>
/// A task type's facts live on its handler: a type that only its handler and its registration know (here a test-only
/// <c>shout</c>) is listed by <c>GET /types</c>, validated, run, shown with its secret hidden and its summary, and
/// described in the API reference, with nothing else in the front end naming it.
/// </summary>
public sealed class TaskTypeFactsTests : IClassFixture<TaskTypeFactsTests.ShoutingSilo>
{
    private readonly HttpClient _http;

    public TaskTypeFactsTests(ShoutingSilo silo) => _http = silo.CreateClient();

    [Fact]
    public async Task Types_lists_each_type_with_its_parameters_as_its_handler_declares_them()
    {
        var (status, body) = await _http.GetJsonAsync("/types");

        Assert.Equal(HttpStatusCode.OK, status);
        var types = body.EnumerateArray().ToDictionary(t => t.GetProperty("type").GetString()!);
        var shout = types["shout"];
        Assert.True(shout.GetProperty("instant").GetBoolean());
        Assert.Equal(
            ["words:textarea:False", "token:secret:True"],
            shout.GetProperty("parameters").EnumerateArray().Select(p => $"{p.GetProperty("name")}:{p.GetProperty("kind")}:{p.GetProperty("optional")}"));
        Assert.True(types["csv-import"].GetProperty("upload").GetBoolean());
        Assert.True(types["csv-export"].GetProperty("file").GetBoolean());
        Assert.False(types["sum2"].GetProperty("upload").GetBoolean());
        Assert.Equal(1, types["count"].GetProperty("parameters")[0].GetProperty("min").GetInt64());
    }

    [Fact]
    public async Task A_new_type_runs_with_its_secret_parameter_hidden_and_its_result_summarized()
    {
        var (status, task) = await _http.PostJsonAsync("/tasks", """{"type":"shout","client":"facts","params":{"words":"hello","token":"s3cret-value"}}""");

        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Accepted, task.ToString());
        var id = task.GetProperty("id").GetString()!;
        var done = await _http.WaitForStatusAsync(id, "succeeded");
        Assert.Equal("***", done.GetProperty("params").GetProperty("token").GetString());
        Assert.Equal("hello", done.GetProperty("params").GetProperty("words").GetString());
        Assert.Equal("HELLO", done.GetProperty("result").GetProperty("shout").GetString());
        Assert.Equal("5 letters", done.GetProperty("summary").GetString());
        Assert.False(done.GetProperty("links").TryGetProperty("file", out _));
        Assert.DoesNotContain("s3cret-value", done.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_types_bad_parameter_is_a_problem_naming_the_field()
    {
        var (status, problem) = await _http.PostJsonAsync("/tasks", """{"type":"shout","client":"facts","params":{"words":""}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("params.words", out _), problem.ToString());
    }

    [Fact]
    public async Task Only_a_type_with_a_file_parameter_is_taken_as_an_upload()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("shout"), "type" },
            { new StringContent("facts"), "client" },
            { new ByteArrayContent("a,b\n"u8.ToArray()), "file", "x.csv" },
        };
        using var response = await _http.PostAsync("/tasks", form);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("csv-import", problem.GetProperty("errors").GetProperty("type")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_reference_describes_a_new_types_parameters_from_its_handler()
    {
        var document = await _http.GetStringAsync("/openapi/v1.json");

        Assert.Contains("shout (words, token?)", document, StringComparison.Ordinal);
        Assert.Contains("csv-import (fields type, client, priority, max_bad_rows, chunk_rows; the file in a part named file)", document, StringComparison.Ordinal);
    }

    /// <summary>An embedded silo with one more type, registered as any type is.</summary>
    public sealed class ShoutingSilo : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder) =>
            builder.UseQuickEmbeddedSilo().ConfigureTestServices(services => services.AddSingleton<ITaskHandler, ShoutHandler>());
    }

    /// <summary><c>shout</c>: <c>words</c> in capitals; <c>token</c> is a secret it never uses.</summary>
    private sealed class ShoutHandler : IInstantTaskHandler
    {
        public string Type => "shout";

        public string Description => "`words` in capitals";

        public bool Cacheable => false;

        public IReadOnlyList<ParameterFact> Parameters { get; } =
            [new("words", ParameterKind.TextArea, Max: 100), new("token", ParameterKind.Secret, Optional: true)];

        public ParameterCheck Validate(JsonElement parameters)
        {
            var reader = new ParameterReader(parameters);
            reader.Text("words", 100);
            reader.OptionalText("token", 100);

            return reader.Complete();
        }

        public string Execute(string parametersJson)
        {
            using var parameters = JsonDocument.Parse(parametersJson);
            return JsonSerializer.Serialize(new { shout = parameters.RootElement.GetProperty("words").GetString()!.ToUpperInvariant() });
        }

        public string? Summarize(JsonElement result) => $"{result.GetProperty("shout").GetString()!.Length} letters";
    }
}
