using System.Net;
using System.Text;
using System.Text.Json;

namespace Tasker.Silo.Tests;

/// <summary>
/// Everything a client can get wrong is a 4xx problem that names the mistake, never a 5xx,
/// and the silo goes on serving good requests afterwards.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BadInputTests(TaskerApiFixture api)
{
    private const string ClientToken = "CLIENT";
    private readonly HttpClient _http = api.CreateClient();

    /// <summary>POSTs a body to /tasks after putting a fresh client name in place of <see cref="ClientToken"/>.</summary>
    private Task<ApiResponse> PostTaskBodyAsync(string body, string? contentType = "application/json") =>
        _http.PostTextAsync("/tasks", body.Replace(ClientToken, ApiTestExtensions.UniqueClient("bad"), StringComparison.Ordinal), contentType);

    // ---- Body syntax -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("{")]
    [InlineData("""{"type":"sum2",""")]
    [InlineData("""{'type':'sum2','params':{'first':1,'second':2},'client':'CLIENT'}""")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT",}""")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2,},"client":"CLIENT"}""")]
    [InlineData("not json")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT"} trailing""")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT"}{"type":"sum2"}""")]
    [InlineData("""{"type":"sum2" /* a comment */,"params":{"first":1,"second":2},"client":"CLIENT"}""")]
    [InlineData("""{"type":sum2,"params":{"first":1,"second":2},"client":"CLIENT"}""")]
    [InlineData("""{"type":"sum2","params":{"first":01,"second":2},"client":"CLIENT"}""")]
    [InlineData("""{"type":"sum2","params":{"first":NaN,"second":2},"client":"CLIENT"}""")]
    [InlineData("""{"type":"sum2","params":{"first":.5,"second":2},"client":"CLIENT"}""")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":"unterminated}""")]
    [InlineData("{\"type\":\"sum\u00012\",\"params\":{\"first\":1,\"second\":2},\"client\":\"CLIENT\"}")]
    [InlineData("""{"type":"sum2","params":{"first":1 "second":2},"client":"CLIENT"}""")]
    public async Task Malformed_json_is_a_400_that_says_the_body_is_not_json(string body)
    {
        var response = await PostTaskBodyAsync(body);

        response.AssertProblem(HttpStatusCode.BadRequest, code: "malformed-json", detailContains: "JSON");
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n\r\n")]
    public async Task Empty_body_is_a_400_that_says_the_body_is_not_json(string body)
    {
        var response = await _http.PostTextAsync("/tasks", body);

        response.AssertProblem(HttpStatusCode.BadRequest, code: "malformed-json", detailContains: "JSON");
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("[]", "an array")]
    [InlineData("""[{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT"}]""", "an array")]
    [InlineData("\"sum2\"", "a string")]
    [InlineData("42", "a number")]
    [InlineData("-1.5e3", "a number")]
    [InlineData("null", "null")]
    [InlineData("true", "a boolean")]
    public async Task Body_that_is_not_an_object_is_a_400_that_says_what_it_is(string body, string kind)
    {
        var response = await PostTaskBodyAsync(body);

        response.AssertProblem(HttpStatusCode.BadRequest, code: "invalid-request", detailContains: kind);
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/octet-stream")]
    [InlineData("text/json-ish")]
    public async Task Body_that_is_not_declared_json_is_a_415(string contentType)
    {
        var response = await PostTaskBodyAsync("""{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT"}""", contentType);

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, code: "unsupported-media-type", detailContains: "application/json");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Body_declared_multipart_that_is_not_a_form_is_a_400()
    {
        // POST /tasks takes multipart uploads (csv-import), so this body is read as a form and found malformed.
        var response = await PostTaskBodyAsync("""{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT"}""", "multipart/form-data; boundary=xyz");

        response.AssertProblem(HttpStatusCode.BadRequest, code: "malformed-form", detailContains: "multipart");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Body_without_a_content_type_is_a_415()
    {
        var body = $$"""{"type":"sum2","params":{"first":1,"second":2},"client":"{{ApiTestExtensions.UniqueClient("bad")}}"}""";
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));

        var response = await _http.SendRawAsync(HttpMethod.Post, "/tasks", content);

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, code: "unsupported-media-type", detailContains: "Content-Type");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Post_without_any_body_is_a_4xx_problem()
    {
        var response = await _http.SendRawAsync(HttpMethod.Post, "/tasks");

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, code: "unsupported-media-type");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Body_over_64_KiB_is_a_413()
    {
        var response = await PostTaskBodyAsync(OversizedBody());

        response.AssertProblem(HttpStatusCode.RequestEntityTooLarge, code: "body-too-large", detailContains: TaskerApiFixture.MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Body_over_64_KiB_sent_without_a_length_is_a_413()
    {
        var bytes = Encoding.UTF8.GetBytes(OversizedBody().Replace(ClientToken, ApiTestExtensions.UniqueClient("bad"), StringComparison.Ordinal));
        var content = new UnknownLengthContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await _http.SendRawAsync(HttpMethod.Post, "/tasks", content);

        response.AssertProblem(HttpStatusCode.RequestEntityTooLarge, code: "body-too-large");
        await _http.AssertStillServesAsync();
    }

    private static string OversizedBody() =>
        $$"""{"type":"input","params":{"input_param":"{{new string('x', (int)TaskerApiFixture.MaxBodyBytes + 10)}}"},"client":"{{ClientToken}}"}""";

    [Theory]
    [InlineData("""{"type":"sum2","type":"mult3","params":{"first":1,"second":2},"client":"CLIENT"}""")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT","client":"someone-else"}""")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2,"first":3},"client":"CLIENT"}""")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"params":{"first":5,"second":6},"client":"CLIENT"}""")]
    [InlineData("""{"type":"sum2","\u0074ype":"mult3","params":{"first":1,"second":2},"client":"CLIENT"}""")]
    public async Task Duplicate_property_names_are_a_400_that_names_the_duplicate(string body)
    {
        var response = await PostTaskBodyAsync(body);

        response.AssertProblem(HttpStatusCode.BadRequest, code: "malformed-json", detailContains: "duplicate");
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData(31)]
    [InlineData(40)]
    [InlineData(10_000)]
    public async Task Json_nested_deeper_than_32_is_a_400_that_mentions_the_depth(int arrays)
    {
        // The root object and params add two levels to the arrays.
        var body = $$"""{"type":"sum2","params":{"first":{{new string('[', arrays)}}{{new string(']', arrays)}},"second":2},"client":"{{ClientToken}}"}""";

        var response = await PostTaskBodyAsync(body);

        response.AssertProblem(HttpStatusCode.BadRequest, code: "malformed-json", detailContains: "depth");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Json_nested_exactly_32_deep_is_read_and_judged_on_its_fields()
    {
        // 30 arrays + root + params = 32 levels: the parser accepts it, and params.first is then the wrong kind.
        var body = $$"""{"type":"sum2","params":{"first":{{new string('[', 30)}}{{new string(']', 30)}},"second":2},"client":"{{ClientToken}}"}""";

        var response = await PostTaskBodyAsync(body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "params.first", detailContains: "an array");
    }

    [Theory]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":"\uD800"}""")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":"ab\uDC00cd"}""")]
    [InlineData("""{"type":"\uD83D","params":{"first":1,"second":2},"client":"CLIENT"}""")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT","priority":"\uD800"}""")]
    [InlineData("""{"type":"input","params":{"input_param":"hello \uD800 world"},"client":"CLIENT"}""")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2,"\uD800":3},"client":"CLIENT"}""")]
    [InlineData("""{"\uD800":1,"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT"}""")]
    public async Task Unpaired_surrogate_escape_is_a_400_not_a_500(string body)
    {
        var response = await PostTaskBodyAsync(body);

        Assert.True(response.Status == HttpStatusCode.BadRequest, $"answered {(int)response.Status}: {response.Body}");
        response.AssertProblem(HttpStatusCode.BadRequest);
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("client")]
    [InlineData("type")]
    [InlineData("input_param")]
    public async Task Invalid_utf8_in_a_string_is_a_400_not_a_500(string where)
    {
        var client = ApiTestExtensions.UniqueClient("bad");
        var text = where switch
        {
            "client" => """{"type":"sum2","params":{"first":1,"second":2},"client":"@@"}""",
            "type" => $$"""{"type":"@@","params":{"first":1,"second":2},"client":"{{client}}"}""",
            _ => $$"""{"type":"input","params":{"input_param":"@@"},"client":"{{client}}"}""",
        };
        var at = text.IndexOf("@@", StringComparison.Ordinal);
        byte[] bytes = [.. Encoding.UTF8.GetBytes(text[..at]), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes(text[(at + 2)..])];
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await _http.SendRawAsync(HttpMethod.Post, "/tasks", content);

        response.AssertProblem(HttpStatusCode.BadRequest);
        await _http.AssertStillServesAsync();
    }

    // ---- Fields of a task request ------------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"params":{"first":1,"second":2},"client":"CLIENT"}""", "type")]
    [InlineData("""{"type":null,"params":{"first":1,"second":2},"client":"CLIENT"}""", "type")]
    [InlineData("""{"type":"","params":{"first":1,"second":2},"client":"CLIENT"}""", "type")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2}}""", "client")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":null}""", "client")]
    [InlineData("""{"type":"sum2","client":"CLIENT"}""", "params.first")]
    [InlineData("""{"type":"sum2","client":"CLIENT"}""", "params.second")]
    [InlineData("""{"type":"sum2","params":{"second":2},"client":"CLIENT"}""", "params.first")]
    [InlineData("""{"type":"sum2","params":{"first":1},"client":"CLIENT"}""", "params.second")]
    [InlineData("""{"type":"sum2","params":{"first":null,"second":2},"client":"CLIENT"}""", "params.first")]
    [InlineData("""{"type":"mult3","params":{"second":2,"third":3},"client":"CLIENT"}""", "params.first")]
    [InlineData("""{"type":"mult3","params":{"first":1,"third":3},"client":"CLIENT"}""", "params.second")]
    [InlineData("""{"type":"mult3","params":{"first":1,"second":2},"client":"CLIENT"}""", "params.third")]
    [InlineData("""{"type":"surprise","params":{},"client":"CLIENT"}""", "params.first")]
    [InlineData("""{"type":"input","params":{},"client":"CLIENT"}""", "params.input_param")]
    [InlineData("""{"type":"sequence","params":{},"client":"CLIENT"}""", "params.n")]
    [InlineData("""{"type":"count","params":{"delay_ms":5},"client":"CLIENT"}""", "params.to")]
    [InlineData("""{"type":"sum2","params":null,"client":"CLIENT"}""", "params")]
    public async Task Missing_field_is_a_400_that_names_it(string body, string field)
    {
        var response = await PostTaskBodyAsync(body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field, code: "invalid-request");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Request_with_every_field_missing_names_type_and_client_together()
    {
        var response = await _http.PostTextAsync("/tasks", "{}");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "type");
        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "client");
    }

    [Theory]
    [InlineData("""{"type":7,"params":{"first":1,"second":2},"client":"CLIENT"}""", "type", "a number")]
    [InlineData("""{"type":["sum2"],"params":{"first":1,"second":2},"client":"CLIENT"}""", "type", "an array")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":{"name":"sh"}}""", "client", "an object")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":42}""", "client", "a number")]
    [InlineData("""{"type":"sum2","params":[1,2],"client":"CLIENT"}""", "params", "an array")]
    [InlineData("""{"type":"sum2","params":"1+2","client":"CLIENT"}""", "params", "a string")]
    [InlineData("""{"type":"sum2","params":{"first":"1","second":2},"client":"CLIENT"}""", "params.first", "a string")]
    [InlineData("""{"type":"sum2","params":{"first":true,"second":2},"client":"CLIENT"}""", "params.first", "a boolean")]
    [InlineData("""{"type":"sum2","params":{"first":[1],"second":2},"client":"CLIENT"}""", "params.first", "an array")]
    [InlineData("""{"type":"sum2","params":{"first":{"value":1},"second":2},"client":"CLIENT"}""", "params.first", "an object")]
    [InlineData("""{"type":"mult3","params":{"first":1,"second":2,"third":"3"},"client":"CLIENT"}""", "params.third", "a string")]
    [InlineData("""{"type":"sequence","params":{"n":1.5},"client":"CLIENT"}""", "params.n", "whole number")]
    [InlineData("""{"type":"sequence","params":{"n":"10"},"client":"CLIENT"}""", "params.n", "a string")]
    [InlineData("""{"type":"count","params":{"to":-1},"client":"CLIENT"}""", "params.to", "between")]
    [InlineData("""{"type":"count","params":{"to":0},"client":"CLIENT"}""", "params.to", "between")]
    [InlineData("""{"type":"count","params":{"to":10,"delay_ms":-5},"client":"CLIENT"}""", "params.delay_ms", "between")]
    [InlineData("""{"type":"count","params":{"to":10,"delay_ms":0.5},"client":"CLIENT"}""", "params.delay_ms", "whole number")]
    [InlineData("""{"type":"input","params":{"input_param":17},"client":"CLIENT"}""", "params.input_param", "a number")]
    [InlineData("""{"type":"input","params":{"input_param":""},"client":"CLIENT"}""", "params.input_param", "characters")]
    [InlineData("""{"type":"surprise","params":{"first":1.5},"client":"CLIENT"}""", "params.first", "whole number")]
    public async Task Mistyped_field_is_a_400_that_names_it_and_says_what_it_got(string body, string field, string said)
    {
        var response = await PostTaskBodyAsync(body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field, code: "invalid-request", detailContains: said);
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("sum3")]
    [InlineData("SUM2")]
    [InlineData("sum2 ")]
    [InlineData("shell-of-doom")]
    public async Task Unknown_type_is_a_400_that_lists_the_known_types(string type)
    {
        var response = await PostTaskBodyAsync($$"""{"type":{{JsonSerializer.Serialize(type)}},"params":{"first":1,"second":2},"client":"CLIENT"}""");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "type", detailContains: "sum2");
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT","colour":"red"}""", "colour")]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT","client_name":"sh"}""", "client_name")]
    [InlineData("""{"type":"sum2","parameters":{"first":1,"second":2},"client":"CLIENT"}""", "parameters")]
    [InlineData("""{"Type":"sum2","type":"sum2","params":{"first":1,"second":2},"client":"CLIENT"}""", "Type")]
    public async Task Unknown_top_level_field_is_a_400_that_names_it(string body, string field)
    {
        var response = await PostTaskBodyAsync(body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field, code: "invalid-request");
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("""{"type":"sum2","params":{"first":1,"second":2,"third":3},"client":"CLIENT"}""", "params.third")]
    [InlineData("""{"type":"surprise","params":{"first":1,"second":2},"client":"CLIENT"}""", "params.second")]
    [InlineData("""{"type":"input","params":{"input_param":"a","input":"b"},"client":"CLIENT"}""", "params.input")]
    [InlineData("""{"type":"sequence","params":{"n":3,"N":3},"client":"CLIENT"}""", "params.N")]
    [InlineData("""{"type":"count","params":{"to":3,"delay":3},"client":"CLIENT"}""", "params.delay")]
    public async Task Unknown_parameter_is_a_400_that_names_it(string body, string field)
    {
        var response = await PostTaskBodyAsync(body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field, code: "invalid-request");
        await _http.AssertStillServesAsync();
    }

    public static TheoryData<string> InvalidClientNames => new()
    {
        "",
        new string('a', 65),
        "two words",
        " leading-space",
        "trailing-space ",
        "клиент",
        "café",
        "名前",
        "-starts-with-dash",
        ".starts-with-dot",
        "a/b",
        "a\\b",
        "semi;colon",
        "tab\there",
        "new\nline",
        "trailing-newline\n",
        "nul\0byte",
    };

    [Theory]
    [MemberData(nameof(InvalidClientNames))]
    public async Task Invalid_client_name_is_a_400_that_names_client(string client)
    {
        var response = await _http.PostTextAsync("/tasks", $$"""{"type":"sum2","params":{"first":1,"second":2},"client":{{JsonSerializer.Serialize(client)}}}""");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "client", code: "invalid-request");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Client_name_of_64_characters_is_accepted()
    {
        var client = ApiTestExtensions.UniqueClient("x-" + new string('b', 40));
        Assert.Equal(64, client.Length);

        var response = await _http.PostTaskAsync("sum2", """{"first":1,"second":2}""", client);

        Assert.True(response.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"answered {(int)response.Status}: {response.Body}");
        Assert.Equal(client, response.Body.GetProperty("client").GetString());
    }

    [Theory]
    [InlineData("\"urgent\"")]
    [InlineData("\"HIGHEST\"")]
    [InlineData("\"\"")]
    [InlineData("\"high \"")]
    [InlineData("1")]
    [InlineData("[\"high\"]")]
    [InlineData("true")]
    public async Task Invalid_priority_is_a_400_that_names_priority(string priority)
    {
        var response = await PostTaskBodyAsync($$"""{"type":"sum2","params":{"first":1,"second":2},"client":"CLIENT","priority":{{priority}}}""");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "priority", code: "invalid-request");
        await _http.AssertStillServesAsync();
    }

    // ---- Numbers -----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("sum2", """{"first":79228162514264337593543950335,"second":1}""")]
    [InlineData("sum2", """{"first":-79228162514264337593543950335,"second":-1}""")]
    [InlineData("sum2", """{"first":79228162514264337593543950335,"second":0.5}""")]
    [InlineData("sum2", """{"first":1e28,"second":0.1}""")]
    [InlineData("mult3", """{"first":1e20,"second":1e20,"third":1}""")]
    [InlineData("mult3", """{"first":79228162514264337593543950335,"second":2,"third":1}""")]
    [InlineData("mult3", """{"first":1e-15,"second":1e-15,"third":1}""")]
    [InlineData("mult3", """{"first":-1e10,"second":1e10,"third":1e10}""")]
    public async Task Overflow_is_a_400_not_a_wrapped_or_rounded_number(string type, string parameters)
    {
        var response = await _http.PostTaskAsync(type, parameters, ApiTestExtensions.UniqueClient("overflow"));

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "params", code: "invalid-request", detailContains: "overflow");
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("1e401")]
    [InlineData("1e-40")]
    [InlineData("1e-400")]
    [InlineData("1e999999999999")]
    [InlineData("79228162514264337593543950336")]
    [InlineData("0.00000000000000000000000000001")]
    [InlineData("1.00000000000000000000000000001")]
    public async Task Number_that_decimal_cannot_hold_exactly_is_a_400_that_names_the_parameter(string number)
    {
        var response = await _http.PostTaskAsync("sum2", $$"""{"first":{{number}},"second":1}""", ApiTestExtensions.UniqueClient("exact"));

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "params.first", code: "invalid-request", detailContains: "exact decimal");
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("sequence", """{"n":10000001}""", "params.n")]
    [InlineData("sequence", """{"n":10001}""", "params.n")]
    [InlineData("sequence", """{"n":0}""", "params.n")]
    [InlineData("sequence", """{"n":-3}""", "params.n")]
    [InlineData("sequence", """{"n":1e30}""", "params.n")]
    [InlineData("count", """{"to":10000000000000000000}""", "params.to")]
    [InlineData("count", """{"to":1000000001}""", "params.to")]
    [InlineData("count", """{"to":10,"delay_ms":3600001}""", "params.delay_ms")]
    public async Task Absurd_size_is_a_400_that_names_the_parameter(string type, string parameters, string field)
    {
        var response = await _http.PostTaskAsync(type, parameters, ApiTestExtensions.UniqueClient("absurd"));

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field, code: "invalid-request");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Input_param_longer_than_10000_characters_is_a_400_that_names_it()
    {
        var response = await _http.PostTaskAsync("input", $$"""{"input_param":"{{new string('y', 10_001)}}"}""", ApiTestExtensions.UniqueClient("absurd"));

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "params.input_param", code: "invalid-request", detailContains: "10000");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Input_param_of_exactly_10000_characters_is_accepted()
    {
        var response = await _http.PostTaskAsync("input", $$"""{"input_param":"{{new string('z', 10_000)}}"}""", ApiTestExtensions.UniqueClient("input"));

        Assert.True(response.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"answered {(int)response.Status}: {response.Body}");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("13")]
    [InlineData("-1")]
    [InlineData("1000000")]
    public async Task Surprise_line_outside_the_song_is_a_400_that_names_first(string first)
    {
        var response = await _http.PostTaskAsync("surprise", $$"""{"first":{{first}}}""", ApiTestExtensions.UniqueClient("surprise"));

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "params.first", code: "invalid-request", detailContains: "between 1 and 12");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Every_bad_parameter_is_named_in_one_answer()
    {
        var response = await _http.PostTaskAsync("mult3", """{"first":"x","second":true,"fourth":4}""", ApiTestExtensions.UniqueClient("many"));

        foreach (var field in new[] { "params.first", "params.second", "params.third", "params.fourth" })
        {
            response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field);
        }
    }

    // ---- Query strings -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("/tasks?limit=0", "limit")]
    [InlineData("/tasks?limit=abc", "limit")]
    [InlineData("/tasks?limit=501", "limit")]
    [InlineData("/tasks?limit=-1", "limit")]
    [InlineData("/tasks?limit=1.5", "limit")]
    [InlineData("/tasks?limit=99999999999999999999", "limit")]
    [InlineData("/tasks?status=bogus", "status")]
    [InlineData("/tasks?status=Running", "status")]
    [InlineData("/tasks?type=bogus", "type")]
    [InlineData("/tasks?cursor=xyz", "cursor")]
    [InlineData("/tasks?cursor=0123456789ABCDEF0123456789ABCDEF", "cursor")]
    [InlineData("/tasks?client=bad%20name", "client")]
    [InlineData("/tasks?client=%D0%BA%D0%BB%D0%B8%D0%B5%D0%BD%D1%82", "client")]
    [InlineData("/tasks?client=newline%0A", "client")]
    [InlineData("/clients/bad%20name/tasks", "name")]
    [InlineData("/clients/newline%0A/tasks", "name")]
    [InlineData("/clients/-dash/tasks", "name")]
    [InlineData("/clients/someone/tasks?limit=0", "limit")]
    [InlineData("/clients/someone/tasks?limit=501", "limit")]
    [InlineData("/clients/someone/tasks?status=bogus", "status")]
    [InlineData("/clients/someone/tasks?type=bogus", "type")]
    [InlineData("/clients/someone/tasks?cursor=xyz", "cursor")]
    public async Task Bad_listing_query_is_a_400_that_names_the_parameter(string path, string parameter)
    {
        var response = await _http.SendRawAsync(HttpMethod.Get, path);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: parameter, code: "invalid-request");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Listing_query_names_every_bad_parameter_at_once()
    {
        var response = await _http.SendRawAsync(HttpMethod.Get, "/tasks?limit=0&status=bogus&type=bogus&cursor=xyz");

        foreach (var parameter in new[] { "limit", "status", "type", "cursor" })
        {
            response.AssertProblem(HttpStatusCode.BadRequest, errorKey: parameter);
        }
    }

    [Theory]
    [InlineData("after=-1", "after")]
    [InlineData("after=abc", "after")]
    [InlineData("after=1.5", "after")]
    [InlineData("after=99999999999999999999", "after")]
    [InlineData("timeout=999", "timeout")]
    [InlineData("timeout=26", "timeout")]
    [InlineData("timeout=-1", "timeout")]
    [InlineData("timeout=abc", "timeout")]
    [InlineData("timeout=NaN", "timeout")]
    [InlineData("timeout=Infinity", "timeout")]
    [InlineData("after=0&timeout=1e9", "timeout")]
    public async Task Bad_wait_on_a_task_is_a_400_that_names_the_parameter(string query, string parameter)
    {
        var id = await _http.SubmitAsync("sum2", """{"first":1,"second":2}""", ApiTestExtensions.UniqueClient("wait"));

        var response = await _http.SendRawAsync(HttpMethod.Get, $"/tasks/{id}?{query}");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: parameter, code: "invalid-request");
        await _http.AssertStillServesAsync();
    }

    // ---- Unknown ids -------------------------------------------------------------------------------------------

    private static readonly string[] _unknownIds =
    [
        "00000000000000000000000000000000",
        "0197f3a1c2b34d5e8f90123456789abc",
        "0197f3a1c2b34d5e8f90123456789abc.7",
        "nope",
        "0197F3A1C2B34D5E8F90123456789ABC",
        "0197f3a1c2b34d5e8f90123456789ab",
        "0197f3a1c2b34d5e8f90123456789abc.1234567890",
        "0197f3a1-c2b3-4d5e-8f90-123456789abc",
        "%20",
        "0197f3a1c2b34d5e8f90123456789abc%0A",
    ];

    private static readonly (string Method, string Suffix)[] _taskRoutes =
    [
        ("GET", ""),
        ("GET", "/status"),
        ("GET", "/result"),
        ("GET", "/events"),
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("POST", "/cancel"),
        ("DELETE", ""),
    ];

    public static TheoryData<string, string, string> UnknownIdRequests()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (method, suffix) in _taskRoutes)
        {
            foreach (var id in _unknownIds)
            {
                data.Add(method, suffix, id);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(UnknownIdRequests))]
    public async Task Unknown_task_id_is_a_404_problem_on_every_task_route(string method, string suffix, string id)
    {
        var response = await _http.SendRawAsync(new HttpMethod(method), $"/tasks/{id}{suffix}");

        response.AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unknown_task_id_problem_quotes_the_id_and_has_code_not_found()
    {
        var problem = await _http.SendRawAsync(HttpMethod.Get, "/tasks/0197f3a1c2b34d5e8f90123456789abc");

        problem.AssertProblem(HttpStatusCode.NotFound, code: "not-found", detailContains: "0197f3a1c2b34d5e8f90123456789abc");
    }

    [Fact]
    public async Task Wait_on_an_unknown_task_id_is_a_404_problem()
    {
        var response = await _http.SendRawAsync(HttpMethod.Get, "/tasks/0197f3a1c2b34d5e8f90123456789abc?after=3&timeout=1");

        response.AssertProblem(HttpStatusCode.NotFound, code: "not-found");
    }

    [Theory]
    [InlineData("GET", "/tasks/0197f3a1c2b34d5e8f90123456789abc/bogus")]
    [InlineData("GET", "/nothing-here")]
    [InlineData("POST", "/tasks/0197f3a1c2b34d5e8f90123456789abc/explode")]
    public async Task Unknown_route_is_a_404_problem_with_a_detail(string method, string path)
    {
        var response = await _http.SendRawAsync(new HttpMethod(method), path);

        response.AssertProblem(HttpStatusCode.NotFound, code: "not-found");
    }

    [Theory]
    [InlineData("PATCH", "/tasks/0197f3a1c2b34d5e8f90123456789abc")]
    [InlineData("PUT", "/tasks")]
    [InlineData("DELETE", "/processes/sum2")]
    public async Task Method_a_route_does_not_take_is_a_405_problem_with_a_detail(string method, string path)
    {
        var response = await _http.SendRawAsync(new HttpMethod(method), path);

        response.AssertProblem(HttpStatusCode.MethodNotAllowed, code: "method-not-allowed", detailContains: method);
    }

    // ---- Process updates ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("{}", "status")]
    [InlineData("""{"reason":"no status"}""", "status")]
    [InlineData("""{"status":null}""", "status")]
    [InlineData("""{"status":""}""", "status")]
    [InlineData("""{"status":"error"}""", "status")]
    [InlineData("""{"status":"queue"}""", "status")]
    [InlineData("""{"status":"bogus"}""", "status")]
    [InlineData("""{"status":1}""", "status")]
    [InlineData("""{"status":true}""", "status")]
    [InlineData("""{"status":["active"]}""", "status")]
    [InlineData("""{"status":"active","reason":5}""", "reason")]
    [InlineData("""{"status":"active","colour":"red"}""", "colour")]
    public async Task Bad_process_update_is_a_400_that_names_the_field_and_changes_nothing(string body, string field)
    {
        var response = await _http.PutTextAsync("/processes/sum2", body);

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: field, code: "invalid-request");
        await AssertSum2IsActiveAsync();
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Process_update_status_error_is_refused_because_tasker_sets_it_itself()
    {
        var response = await _http.PutTextAsync("/processes/sum2", """{"status":"error","reason":"I say so"}""");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "status", detailContains: "set by Tasker");
        await AssertSum2IsActiveAsync();
    }

    [Fact]
    public async Task Process_update_with_a_reason_over_500_characters_is_a_400_that_names_reason()
    {
        var response = await _http.PutTextAsync("/processes/sum2", $$"""{"status":"active","reason":"{{new string('r', 501)}}"}""");

        response.AssertProblem(HttpStatusCode.BadRequest, errorKey: "reason", code: "invalid-request", detailContains: "500");
        await AssertSum2IsActiveAsync();
        await _http.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("SUM2")]
    [InlineData("shell-command")] // "shell" is a type now (executor agents).
    public async Task Process_update_of_an_unknown_type_is_a_404_problem(string type)
    {
        var response = await _http.PutTextAsync($"/processes/{type}", """{"status":"active"}""");

        response.AssertProblem(HttpStatusCode.NotFound, code: "not-found", detailContains: type);
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Process_read_of_an_unknown_type_is_a_404_problem()
    {
        var response = await _http.SendRawAsync(HttpMethod.Get, "/processes/bogus");

        response.AssertProblem(HttpStatusCode.NotFound, code: "not-found");
    }

    [Theory]
    [InlineData("{", "malformed-json")]
    [InlineData("""{"status":"active",}""", "malformed-json")]
    [InlineData("""{"status":"active","status":"suspended"}""", "malformed-json")]
    [InlineData("", "malformed-json")]
    [InlineData("[]", "invalid-request")]
    [InlineData("\"active\"", "invalid-request")]
    [InlineData("null", "invalid-request")]
    public async Task Malformed_process_update_is_a_400_and_changes_nothing(string body, string code)
    {
        var response = await _http.PutTextAsync("/processes/sum2", body);

        response.AssertProblem(HttpStatusCode.BadRequest, code: code);
        await AssertSum2IsActiveAsync();
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Process_update_that_is_not_json_is_a_415()
    {
        var response = await _http.PutTextAsync("/processes/sum2", "status=suspended", "application/x-www-form-urlencoded");

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, code: "unsupported-media-type");
        await AssertSum2IsActiveAsync();
    }

    private async Task AssertSum2IsActiveAsync()
    {
        var (status, process) = await _http.GetJsonAsync("/processes/sum2");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("active", process.GetProperty("status").GetString());
    }

    // ---- Headers -----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(201)]
    [InlineData(5000)]
    public async Task Idempotency_key_longer_than_200_characters_is_a_400(int length)
    {
        var response = await _http.PostTaskAsync("sum2", """{"first":1,"second":2}""", ApiTestExtensions.UniqueClient("idem"), new string('k', length));

        response.AssertProblem(HttpStatusCode.BadRequest, code: "invalid-idempotency-key", detailContains: "Idempotency-Key");
        await _http.AssertStillServesAsync();
    }

    [Fact]
    public async Task Idempotency_key_of_200_characters_is_accepted()
    {
        var response = await _http.PostTaskAsync("sum2", """{"first":1,"second":2}""", ApiTestExtensions.UniqueClient("idem"), new string('k', 200));

        Assert.True(response.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"answered {(int)response.Status}: {response.Body}");
    }

    /// <summary>Content whose length is not known up front, so it is sent without a Content-Length.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
