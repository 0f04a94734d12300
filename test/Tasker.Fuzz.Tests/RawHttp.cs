using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Tasker.Fuzz.Tests;

/// <summary>How a request's bytes go on the wire: framing is part of what the fuzzer varies.</summary>
public enum Delivery
{
    /// <summary>With a Content-Length that matches the body.</summary>
    Whole,

    /// <summary>Transfer-Encoding: chunked, well framed, in chunks of random sizes.</summary>
    Chunked,

    /// <summary>Transfer-Encoding: chunked with a broken size line (overflowing, not hex, negative).</summary>
    BadChunk,

    /// <summary>A Content-Length larger than the body; the client then closes its side.</summary>
    Truncated,

    /// <summary>Whole, but a few bytes at a time with pauses between them.</summary>
    Slow,
}

/// <summary>One request as the fuzzer sends it: any method, any target, any headers, any bytes.</summary>
public sealed record FuzzRequest(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, Delivery Delivery)
{
    /// <summary>The longest this request may take: the route's documented wait plus slack for a loaded 2-core machine.</summary>
    public TimeSpan Limit =>
        Target.Contains("wait=", StringComparison.OrdinalIgnoreCase) || Target.Contains("timeout=", StringComparison.OrdinalIgnoreCase)
        || Target.Contains("after=", StringComparison.OrdinalIgnoreCase) || Target.Contains("/heartbeat", StringComparison.OrdinalIgnoreCase)
            ? TimeSpan.FromSeconds(45) // Long-polls wait at most 25–30 s (GET /tasks/{id}?timeout=, GET /tasks/pick?wait=, heartbeats).
            : TimeSpan.FromSeconds(20);

    /// <summary>The request, printable: enough to replay it by hand with curl or nc.</summary>
    public override string ToString()
    {
        var text = new StringBuilder().Append(Method).Append(' ').Append(Target).Append(" (").Append(Delivery).Append(")\n");
        foreach (var (name, value) in Headers)
        {
            text.Append("  ").Append(name).Append(": ").Append(Shorten(value, 200)).Append('\n');
        }

        return text.Append("  body ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append(" bytes: ")
            .Append(Shorten(Encoding.UTF8.GetString(Body), 600)).ToString();
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + $"… ({text.Length} chars)";
}

/// <summary>What came back: the status (0 when the server closed the connection without one) and how long it took.</summary>
public sealed record FuzzAnswer(int Status, string Head, TimeSpan Elapsed, bool TimedOut)
{
    public bool HasHeader(string name) =>
        Head.Split("\r\n").Any(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));
}

/// <summary>Sends requests byte for byte over a fresh TCP connection, so that nothing between the fuzzer and Kestrel fixes them.</summary>
public static class RawHttp
{
    public static async Task<FuzzAnswer> SendAsync(Uri server, FuzzRequest request)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(request.Limit);
        using var socket = new TcpClient { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server.Host, server.Port, timeout.Token);
            var stream = socket.GetStream();
            try
            {
                await WriteAsync(socket, stream, request, timeout.Token);
            }
            catch (IOException)
            {
                // The server may answer before it has read everything (a 404 for an unknown id, a 413) and close: read that answer.
            }

            var (status, head) = await ReadHeadAsync(stream, timeout.Token);
            if (status > 0 && !head.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                await DrainAsync(stream, timeout.Token);
            }

            return new FuzzAnswer(status, head, clock.Elapsed, TimedOut: false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new FuzzAnswer(0, "", clock.Elapsed, TimedOut: true);
        }
        catch (Exception exception) when (exception is IOException or SocketException)
        {
            // The server closed the connection on a request it could not frame; what it answered (if anything) was read.
            return new FuzzAnswer(0, exception.Message, clock.Elapsed, TimedOut: false);
        }
    }

    private static async Task WriteAsync(TcpClient socket, NetworkStream stream, FuzzRequest request, CancellationToken cancellationToken)
    {
        // A loopback name: a silo without authentication refuses any other Host (DNS rebinding).
        var head = new StringBuilder().Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        foreach (var (name, value) in request.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        var body = request.Body;
        switch (request.Delivery)
        {
            case Delivery.Whole or Delivery.Slow:
                head.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
                var bytes = Concat(Encoding.Latin1.GetBytes(head.ToString()), body);
                if (request.Delivery == Delivery.Whole)
                {
                    await stream.WriteAsync(bytes, cancellationToken);
                    return;
                }

                var dripped = Math.Min(bytes.Length, 64 * 20);
                for (var offset = 0; offset < dripped; offset += 64)
                {
                    await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(64, dripped - offset)), cancellationToken);
                    await Task.Delay(40, cancellationToken);
                }

                await stream.WriteAsync(bytes.AsMemory(dripped), cancellationToken);
                return;
            case Delivery.Chunked:
                head.Append("Transfer-Encoding: chunked\r\n\r\n");
                var chunked = new MemoryStream();
                chunked.Write(Encoding.Latin1.GetBytes(head.ToString()));
                for (var offset = 0; offset < body.Length;)
                {
                    var size = Math.Min(body.Length - offset, 1 + (offset * 7 % 997));
                    chunked.Write(Encoding.ASCII.GetBytes(size.ToString("X", CultureInfo.InvariantCulture) + "\r\n"));
                    chunked.Write(body, offset, size);
                    chunked.Write("\r\n"u8);
                    offset += size;
                }

                chunked.Write("0\r\n\r\n"u8);
                await stream.WriteAsync(chunked.ToArray(), cancellationToken);
                return;
            case Delivery.BadChunk:
                head.Append("Transfer-Encoding: chunked\r\n\r\n");
                var sizeLine = (body.Length % 4) switch { 0 => "FFFFFFFFFFFFFFFF", 1 => "-5", 2 => "zz", _ => "1;" + new string('x', 9000) };
                await stream.WriteAsync(Concat(Encoding.Latin1.GetBytes(head.ToString() + sizeLine + "\r\n"), body, "\r\n0\r\n\r\n"u8.ToArray()), cancellationToken);
                return;
            case Delivery.Truncated:
                head.Append("Content-Length: ").Append((body.Length + 1 + (body.Length % 5000)).ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
                await stream.WriteAsync(Concat(Encoding.Latin1.GetBytes(head.ToString()), body), cancellationToken);
                socket.Client.Shutdown(SocketShutdown.Send);
                return;
        }
    }

    private static async Task<(int Status, string Head)> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16384];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                break;
            }

            read += n;
            if (buffer.AsSpan(0, read).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        var head = Encoding.Latin1.GetString(buffer, 0, read);
        var end = head.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        head = end >= 0 ? head[..end] : head;
        var parts = head.Split(' ', 3);
        return parts.Length >= 2 && parts[0].StartsWith("HTTP/", StringComparison.Ordinal) && int.TryParse(parts[1], out var status)
            ? (status, head)
            : (0, head);
    }

    private static async Task DrainAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16384];
        while (await stream.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var all = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(all, offset);
            offset += part.Length;
        }

        return all;
    }
}
