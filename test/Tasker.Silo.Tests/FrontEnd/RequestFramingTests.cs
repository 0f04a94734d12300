using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

/// <summary>
/// Requests whose HTTP framing is broken, sent over a real socket to the real Kestrel server (the in-memory test
/// server does not parse framing): the client's mistake is a 400 problem, never a 500.
/// </summary>
public sealed class RequestFramingTests : IClassFixture<RequestFramingTests.KestrelFixture>
{
    private readonly KestrelFixture _server;

    public RequestFramingTests(KestrelFixture server) => _server = server;

    [Fact]
    public async Task A_chunk_size_that_overflows_is_a_400_problem_not_a_500()
    {
        var answer = await SendRawAsync(
            "POST /tasks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "FFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"bad-request\"", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_well_framed_chunked_submission_is_accepted()
    {
        const string body = """{"type":"sum2","params":{"first":1,"second":2},"client":"framing"}""";
        var answer = await SendRawAsync(
            "POST /tasks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
            $"{Encoding.UTF8.GetByteCount(body):X}\r\n{body}\r\n0\r\n\r\n");

        Assert.Matches("^HTTP/1.1 20[02] ", answer);
    }

    private async Task<string> SendRawAsync(string request)
    {
        var address = _server.Address;
        using var socket = new TcpClient();
        await socket.ConnectAsync(address.Host, address.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>The front end and an embedded silo on Kestrel, on a free loopback port.</summary>
    public sealed class KestrelFixture : WebApplicationFactory<Program>
    {
        public KestrelFixture()
        {
            UseKestrel(0);
            StartServer();
        }

        public Uri Address => ClientOptions.BaseAddress;

        protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseQuickEmbeddedSilo();
    }
}
