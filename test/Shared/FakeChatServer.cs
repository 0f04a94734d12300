using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tasker.Testing;

/// <summary>
/// A stand-in for OpenAI's chat-completions API on a loopback port, so chat tests never call the internet.
/// <c>POST /v1/chat/completions</c> answers in OpenAI's wire shape with <see cref="Reply"/> of the last user message;
/// a key other than <see cref="ValidKey"/> gets OpenAI's 401 error body. Switches slow every answer down
/// (<see cref="Delay"/>) or fail the next few requests with a 500 (<see cref="FailNext"/>).
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    /// <summary>The only key the server accepts.</summary>
    public const string ValidKey = "sk-fake-valid-0123456789";

    private readonly WebApplication _app;
    private long _delayTicks;
    private int _failuresLeft;
    private int _requests;
    private string? _lastModel;
    private bool _disposed;

    private FakeChatServer(WebApplication app) => _app = app;

    /// <summary>The base URL to configure as <c>Tasker:Chat:BaseUrl</c>, e.g. <c>http://127.0.0.1:41234/v1</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>How long each answer waits before it is sent (an aborted request stops waiting). Default none.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>Requests received so far, answered or not.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The <c>model</c> of the last request.</summary>
    public string? LastModel => Volatile.Read(ref _lastModel);

    /// <summary>What the fake model answers to <paramref name="prompt"/>: derived from it, so each turn's text shows what it answered.</summary>
    public static string Reply(string prompt) => $"echo: {prompt}";

    /// <summary>Answers the next <paramref name="count"/> requests with 500 and OpenAI's server-error body.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failuresLeft, count);

    /// <summary>Starts the server on 127.0.0.1 on a free port.</summary>
    public static async Task<FakeChatServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeChatServer(app);
        app.MapPost("/v1/chat/completions", (RequestDelegate)server.CompleteAsync);
        await app.StartAsync();

        var address = app.Urls.Single();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task CompleteAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        using var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var model = request.RootElement.GetProperty("model").GetString() ?? "";
        Volatile.Write(ref _lastModel, model);

        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization != $"Bearer {ValidKey}")
        {
            // OpenAI quotes a masked key back; Tasker must not pass even that on.
            var given = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : "";
            var masked = given.Length > 8 ? $"{given[..3]}***{given[^4..]}" : "***";
            await WriteAsync(context, StatusCodes.Status401Unauthorized, Error(
                $"Incorrect API key provided: {masked}. You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key"));
            return;
        }

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        if (TakeFailure())
        {
            await WriteAsync(context, StatusCodes.Status500InternalServerError, Error(
                "The server had an error while processing your request. Sorry about that!", "server_error", null));
            return;
        }

        var prompt = request.RootElement.GetProperty("messages").EnumerateArray()
            .Last(m => m.GetProperty("role").GetString() == "user")
            .GetProperty("content").GetString() ?? "";
        var answer = Reply(prompt);
        await WriteAsync(context, StatusCodes.Status200OK, new
        {
            id = $"chatcmpl-fake{Requests}",
            @object = "chat.completion",
            created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            model,
            choices = new[]
            {
                new { index = 0, message = new { role = "assistant", content = answer }, logprobs = (object?)null, finish_reason = "stop" },
            },
            usage = new { prompt_tokens = prompt.Length / 4, completion_tokens = answer.Length / 4, total_tokens = (prompt.Length + answer.Length) / 4 },
        });
    }

    private bool TakeFailure()
    {
        while (true)
        {
            var left = Volatile.Read(ref _failuresLeft);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _failuresLeft, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private static object Error(string message, string type, string? code) =>
        new { error = new { message, type, param = (string?)null, code } };

    private static async Task WriteAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
