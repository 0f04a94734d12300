using System.Diagnostics;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Tasker.Silo.Hosting;

/// <summary>
/// Traces and log correlation. Every log line written while a request is handled carries its trace id (a logging
/// scope from the request's activity, printed by the console logger); problem responses carry the same id. Traces
/// (ASP.NET Core, HttpClient, Npgsql, Orleans grain calls with the trace carried from silo to silo) are exported by
/// OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and cost nothing otherwise.
/// </summary>
public static class ObservabilityExtensions
{
    /// <summary>The standard OpenTelemetry variable; set, it turns tracing and the OTLP exporter on.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The service name in exported traces, unless OTEL_SERVICE_NAME says otherwise.</summary>
    public const string ServiceName = "tasker-silo";

    /// <summary>The Orleans activity sources (Orleans.Diagnostics.ActivitySources): grain calls by the application and by the runtime.</summary>
    internal static readonly string[] OrleansSources = ["Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime"];

    /// <summary>True when traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT is set).</summary>
    public static bool IsTracingOn(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);

    public static WebApplicationBuilder AddTaskerObservability(this WebApplicationBuilder builder)
    {
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddSimpleConsole(o => o.IncludeScopes = true);
        builder.Logging.AddConsoleFormatter<QuietConsoleFormatter, ConsoleFormatterOptions>();
        builder.Services.Configure<ConsoleLoggerOptions>(o =>
        {
            // The simple format, quieter at start-up; a format chosen in configuration (json, systemd) stays.
            if (o.FormatterName is null || o.FormatterName == ConsoleFormatterNames.Simple)
            {
                o.FormatterName = QuietConsoleFormatter.FormatterName;
            }
        });

        if (!IsTracingOn(builder.Configuration))
        {
            builder.Services.AddHostedService<GrainCallTraceContext>();
            return builder;
        }

        // The OTLP exporter reads OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL and _HEADERS itself.
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? ServiceName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments("/metrics") && !context.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddSource("Npgsql")
                .AddSource(OrleansSources)
                .AddOtlpExporter());
        return builder;
    }
}

/// <summary>
/// Without an exporter, nothing listens to Orleans' activity sources and a grain call would not carry the caller's
/// trace, so the grain's log lines would lack the request's trace id. This listener lets Orleans create an activity
/// for a grain call made within a trace (propagation only: nothing is recorded), and none for calls outside one
/// (timers, reminders), so background work costs nothing.
/// </summary>
internal sealed class GrainCallTraceContext : IHostedService, IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => ObservabilityExtensions.OrleansSources.Contains(source.Name),
        Sample = (ref options) => options.Parent == default ? ActivitySamplingResult.None : ActivitySamplingResult.PropagationData,
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();
}
