using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

/// <summary>
/// Process status <c>error</c>, set by Tasker when a type's tasks fail in a row (Tasker:Processes:ErrorAfterFailures,
/// 3 here) and set back to <c>active</c> by a success. It informs: requests of that type are still accepted.
/// </summary>
[Collection(ProcessHealthCollection.Name)]
public sealed class ProcessHealthTests(ProcessHealthFixture fixture)
{
    private readonly HttpClient _http = fixture.CreateClient();

    [Fact]
    public async Task Failures_in_a_row_set_error_with_the_reason_and_a_success_sets_active_again()
    {
        var client = ApiTestExtensions.UniqueClient("health");
        for (var i = 0; i < 3; i++)
        {
            var id = await ImportAsync("nothing,useful\n1,2\n", client); // The header lacks the columns: the task fails.
            await _http.WaitForStatusAsync(id, "failed");
        }

        var error = await WaitForProcessAsync("error");
        Assert.Contains("3 csv-import tasks failed in a row", error.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // Error informs; it does not refuse.
        var good = await ImportAsync("name,email,date,amount\nAda,ada@example.com,2020-01-02,1.50\n", client);
        await _http.WaitForStatusAsync(good, "succeeded");

        var active = await WaitForProcessAsync("active");
        Assert.Equal("a task succeeded", active.GetProperty("reason").GetString());
    }

    private async Task<string> ImportAsync(string csv, string client)
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var form = new MultipartFormDataContent { { new StringContent("csv-import"), "type" }, { new StringContent(client), "client" }, { file, "file", "data.csv" } };
        var response = await _http.PostAsync(new Uri("/tasks", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> WaitForProcessAsync(string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var process = (await _http.GetJsonAsync("/processes/csv-import")).Body;
            if (process.GetProperty("status").GetString() == status)
            {
                return process;
            }

            Assert.True(DateTime.UtcNow < deadline, $"csv-import never became {status}: {process}");
            await Task.Delay(100);
        }
    }
}

/// <summary>An embedded silo that sets a process to error after 3 failures in a row.</summary>
public sealed class ProcessHealthFixture : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo().UseSetting("Tasker:Processes:ErrorAfterFailures", "3");
}

/// <summary>
/// Every silo in this test process hears every task's outcome (the meter is the process's), so these tests run on
/// their own, after the parallel collections, where no other test's outcomes interleave with theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessHealthCollection : ICollectionFixture<ProcessHealthFixture>
{
    public const string Name = "process-health";
}
