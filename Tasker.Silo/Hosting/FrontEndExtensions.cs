using Tasker.Silo.Webhooks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Scalar.AspNetCore;
using Tasker.Silo.Endpoints;
using Tasker.Silo.FrontEnd;
using Tasker.Silo.FrontEnd.Agents;
using Tasker.Silo.FrontEnd.Page;
using Tasker.Silo.FrontEnd.Shell;
using Tasker.Silo.OldSystems;

namespace Tasker.Silo.Hosting;

/// <summary>The co-hosted HTTP front end: services, middleware and routes.</summary>
public static class FrontEndExtensions
{
    /// <summary>The address served when neither ASPNETCORE_URLS nor --urls says otherwise: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5000";

    /// <summary>The name of the OpenAPI document, served at <c>/openapi/v1.json</c>.</summary>
    public const string OpenApiDocumentName = "v1";

    public static WebApplicationBuilder AddTaskerFrontEnd(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.AddTaskerAuth();
        var services = builder.Services;
        services.AddTaskerForwardedHeaders();
        services.AddValidatedOptions<TaskerHttpOptions>(TaskerHttpOptions.SectionName);
        services.AddOptions<KestrelServerOptions>().Configure<Microsoft.Extensions.Options.IOptions<TaskerHttpOptions>>(
            (kestrel, frontEnd) => kestrel.Limits.MaxRequestBodySize = frontEnd.Value.MaxRequestBodyBytes);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ProcessGate>();
        services.AddSingleton<TaskRequestReader>();
        services.AddSingleton<UploadReader>();
        services.AddSingleton<TaskListing>();
        services.AddSingleton<TaskSubmitter>();
        services.AddSingleton<TaskViews>();
        services.AddTaskerWebhooks();
        services.AddSingleton<FrontEnd.Schedules.ScheduleRequestReader>();
        services.AddOldSystems();
        services.AddValidatedOptions<AgentsOptions>(AgentsOptions.SectionName);
        services.AddSingleton<IShellSubmissionPolicy, LoopbackShellPolicy>();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            // The W3C trace id: the one in the request's log lines and in its exported trace.
            c.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.TraceId.ToHexString() ?? c.HttpContext.TraceIdentifier;
            Problems.Complete(c);
        });
        services.AddExceptionHandler<TaskerExceptionHandler>();
        services.AddTaskerHealthChecks(builder.Configuration);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(Tasker.Tasks.TaskMetrics.MeterName, "Microsoft.Orleans")
            .AddPrometheusExporter());
        services.AddOpenApi(OpenApiDocumentName, o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Tasker API";
            document.Info.Description = "Run tasks over HTTP on an Orleans cluster: submit, watch, pause, resume, cancel; client histories; process status.";
            return Task.CompletedTask;
        }).AddTaskerConventions());
        return builder;
    }

    public static WebApplication UseTaskerFrontEnd(this WebApplication app)
    {
        app.UseTaskerForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseTaskerAuth();

        app.MapPageEndpoints();

        app.MapTaskEndpoints();
        app.MapWebhookEndpoints();
        app.MapScheduleEndpoints();
        app.MapAgentEndpoints();
        app.MapClientEndpoints();
        app.MapProcessEndpoints();
        app.MapTypeEndpoints();
        app.MapOldSystems();
        app.MapUserEndpoints();
        app.MapHealthEndpoints();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(o => o.WithTitle("Tasker API reference")).AllowAnonymous();
        app.MapOrleansDashboard(routePrefix: "/dashboard").ExcludeFromDescription().RequireAuthorization(AuthExtensions.AdminPolicy);
        return app;
    }
}
