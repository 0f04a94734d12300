using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace Tasker.Testing;

/// <summary>
/// A webhook receiver on a loopback port: it verifies the signature of every request it gets with the StandardWebhooks
/// library (a request that fails verification is counted in <see cref="BadSignatures"/>), keeps each one, and answers
/// with the status codes it is told to (<see cref="AnswerNext"/>), else 200.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _answers = new();
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private int _badSignatures;
    private volatile string? _secret;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>One request as it arrived: when, its webhook-id, its body, whether its signature verified, and the answer it got.</summary>
    public sealed record Received(DateTimeOffset At, string WebhookId, string Body, bool Verified, int Answered)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    /// <summary>The URL to give as a callback (http, on 127.0.0.1: a silo must allow private addresses to reach it).</summary>
    public string Url { get; private set; } = "";

    /// <summary>The secret signatures are verified with: set it from <c>POST /users/{name}/webhook-secret</c>.</summary>
    public string? Secret
    {
        get => _secret;
        set => _secret = value;
    }

    public IReadOnlyList<Received> Requests => [.. _received];

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    /// <summary>Answers the next requests with these status codes, in order; then 200 again.</summary>
    public void AnswerNext(params int[] statusCodes)
    {
        foreach (var code in statusCodes)
        {
            _answers.Enqueue(code);
        }
    }

    /// <summary>Answers every request with <paramref name="statusCode"/> until told otherwise (null: 200 again).</summary>
    public int? AnswerAlways { get; set; }

    public static async Task<WebhookReceiver> StartAsync(string path = "/hook")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost(path, (RequestDelegate)receiver.ReceiveAsync);
        await app.StartAsync();
        receiver.Url = app.Urls.Single().TrimEnd('/') + path;
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests arrived; false when the time ran out.</summary>
    public async Task<bool> WaitForAsync(int count, TimeSpan patience)
    {
        var deadline = DateTimeOffset.UtcNow + patience;
        while (_received.Count < count)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                return _received.Count >= count;
            }
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        var at = DateTimeOffset.UtcNow;
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var verified = false;
        if (Secret is { } secret)
        {
            // One signature per secret in force (two during a rotation); the library compares the first only, so each
            // is given to it alone, and the message verifies when one of them does, as the convention says.
            foreach (var signature in context.Request.Headers["webhook-signature"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var headers = new HeaderDictionary
                {
                    ["webhook-id"] = context.Request.Headers["webhook-id"],
                    ["webhook-timestamp"] = context.Request.Headers["webhook-timestamp"],
                    ["webhook-signature"] = signature,
                };
                try
                {
                    new StandardWebhook(secret).Verify(body, headers);
                    verified = true;
                }
                catch (StandardWebhooks.Diagnostics.WebhookVerificationException)
                {
                }
            }
        }

        if (!verified)
        {
            Interlocked.Increment(ref _badSignatures);
        }

        var answer = _answers.TryDequeue(out var code) ? code : AnswerAlways ?? 200;
        _received.Enqueue(new Received(at, context.Request.Headers["webhook-id"].ToString(), body, verified, answer));
        _arrived.Release();
        context.Response.StatusCode = answer;
    }
}
