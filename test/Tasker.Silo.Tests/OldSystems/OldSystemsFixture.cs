using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;

namespace Tasker.Silo.Tests.OldSystems;

/// <summary>
/// An embedded silo of its own for one old system's tests (their READMEs use fixed client names such as <c>sh</c>, so
/// they must not meet other tests' tasks), with a fake chat server and a files directory of its own.
/// </summary>
public class OldSystemsFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public FakeChatServer Fake { get; private set; } = null!;

    public string FilesPath { get; } = Directory.CreateTempSubdirectory("tasker-old-systems-tests-").FullName;

    public async Task InitializeAsync() => Fake = await FakeChatServer.StartAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Fake.DisposeAsync();
        Directory.Delete(FilesPath, recursive: true);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Chat:BaseUrl", Fake.BaseUrl.ToString())
            .UseSetting("Tasker:Files:Path", FilesPath);
}

/// <summary>
/// The old-systems silo with the whole data set exported ten rows per chunk, so that an export 001 starts is still
/// going when its README pauses and stops it.
/// </summary>
public sealed class SlowExportFixture : OldSystemsFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Tasker:DataSet:Rows", "100000").UseSetting("Tasker:ExportChunkRows", "10");
    }
}

/// <summary>Requests as the old systems' READMEs send them.</summary>
public static class OldRequests
{
    /// <summary>Sends a request with a JSON body (any method: 000 sends a GET with one), as curl -d or httpie key=value do.</summary>
    public static Task<ApiResponse> SendJsonAsync(this HttpClient http, HttpMethod method, string path, string json, string contentType = "application/json")
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return http.SendRawAsync(method, path, content);
    }

    /// <summary>Uploads a file in the form field <c>file</c>, as <c>http -f POST ... file@data.csv</c> does.</summary>
    public static Task<ApiResponse> UploadAsync(this HttpClient http, string path, string csv, string field = "file")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, field, "data.csv");
        return http.SendRawAsync(HttpMethod.Post, path, form);
    }

    /// <summary>A small CSV in the columns csv-import reads.</summary>
    public static string Csv(int rows) =>
        "id,date,name,email,city,amount\n" + string.Concat(Enumerable.Range(1, rows).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $"{i},2015-01-{1 + (i % 28):00},Name {i},n{i}@example.org,Oslo,{i}.25\n")));
}
