using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

/// <summary>
/// The trace id of a request (from its W3C traceparent, or made up when it has none) is in every log line written
/// while it is handled, in the front end and in the grains it calls, and in its problem responses.
/// </summary>
public sealed class TraceCorrelationTests(TraceCorrelationTests.LoggedApi api) : IClassFixture<TraceCorrelationTests.LoggedApi>
{
    [Fact]
    public async Task Every_log_line_of_a_request_carries_its_trace_id_in_the_front_end_and_in_the_grain()
    {
        using var http = api.CreateClient();
        var submitted = await SendAsync(http, HttpMethod.Post, "/tasks", NewTraceId(),
            JsonContent.Create(new { type = "count", @params = new { to = 100_000, delay_ms = 20 }, client = "trace" }));
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var pauseTrace = NewTraceId();
        var paused = await SendAsync(http, HttpMethod.Post, $"/tasks/{id}/pause", pauseTrace);
        paused.EnsureSuccessStatusCode();

        var lines = api.Lines.Where(l => l.TraceId == pauseTrace).ToList();
        Assert.Contains(lines, l => l.Category.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal) && l.Message.Contains("/pause", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Category.StartsWith("Tasker.", StringComparison.Ordinal) && l.Message.Contains($"Task {id} of trace paused", StringComparison.Ordinal));
        Assert.DoesNotContain(api.Lines, l => l.RequestPath == $"/tasks/{id}/pause" && l.TraceId != pauseTrace);
    }

    [Fact]
    public async Task A_problem_response_carries_the_request_trace_id()
    {
        using var http = api.CreateClient();
        var trace = NewTraceId();
        var answer = await SendAsync(http, HttpMethod.Get, "/tasks/0123456789abcdef0123456789abcdef", trace);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Equal(trace, (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("traceId").GetString());
    }

    [Fact]
    public void Traces_are_exported_only_when_OTEL_EXPORTER_OTLP_ENDPOINT_is_set()
    {
        Assert.Null(api.Services.GetService<OpenTelemetry.Trace.TracerProvider>());

        using var exporting = api.WithWebHostBuilder(host => host.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"));
        Assert.NotNull(exporting.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
    }

    private static string NewTraceId() => Guid.NewGuid().ToString("N");

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string traceId, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("traceparent", $"00-{traceId}-{Guid.NewGuid().ToString("N")[..16]}-01");
        return http.SendAsync(request);
    }

    /// <summary>One log line with the trace id and request path of its scopes.</summary>
    public sealed record LogLine(string Category, string Message, string? TraceId, string? RequestPath);

    /// <summary>The front end with request logging on and every log line kept with its scopes.</summary>
    public sealed class LoggedApi : WebApplicationFactory<Program>, ILoggerProvider, ISupportExternalScope
    {
        private readonly ConcurrentQueue<LogLine> _lines = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public IReadOnlyCollection<LogLine> Lines => _lines;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseQuickEmbeddedSilo()
                .UseSetting("Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics", "Information")
                .UseSetting("Logging:LogLevel:Tasker", "Information");
            builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(this));
        }

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        void IDisposable.Dispose()
        {
        }

        private sealed class Logger(string category, LoggedApi owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                string? traceId = null, requestPath = null;
                owner._scopes.ForEachScope((scope, _) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> values)
                    {
                        foreach (var (key, value) in values)
                        {
                            traceId = key == "TraceId" ? value?.ToString() : traceId;
                            requestPath = key == "RequestPath" ? value?.ToString() : requestPath;
                        }
                    }
                }, (object?)null);
                owner._lines.Enqueue(new LogLine(category, formatter(state, exception), traceId, requestPath));
            }
        }
    }
}
