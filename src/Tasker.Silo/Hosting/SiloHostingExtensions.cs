using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Tasker.Silo.Hosting;

/// <summary>Configures the Orleans silo that this process hosts beside its HTTP front end.</summary>
public static partial class SiloHostingExtensions
{
    /// <summary>Adds the silo in the mode the configuration asks for, with Tasker's grains and the dashboard.</summary>
    public static WebApplicationBuilder AddTaskerSilo(this WebApplicationBuilder builder)
    {
        var mode = TaskerModes.Detect(builder.Configuration);
        var host = builder.Configuration.GetSection(OrleansHostOptions.SectionName).Get<OrleansHostOptions>() ?? new OrleansHostOptions();
        var validation = new DataAnnotationsValidator<OrleansHostOptions>().Validate(null, host);
        if (validation.Failed)
        {
            throw new TaskerConfigurationException(validation.FailureMessage);
        }

        if (mode == TaskerMode.Cluster)
        {
            throw new TaskerConfigurationException(
                "Cluster mode (Redis + PostgreSQL) is not available in this version yet. Unset ConnectionStrings__Redis and ConnectionStrings__Postgres to run embedded.");
        }

        builder.Services.AddSingleton(Options.Create(host));
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, null, host.ServiceId, host.ClusterId);
            if (host.AdvertisedIP is { Length: > 0 } advertised)
            {
                silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Parse(advertised));
            }

            silo.AddMemoryGrainStorage(TaskerStorage.Name);
            silo.UseInMemoryReminderService();
            silo.AddTaskerGrains();
            silo.AddDashboard();
        });

        builder.Services.AddHostedService<ModeAnnouncer>();
        return builder;
    }

    /// <summary>Says at start-up which mode runs and, when embedded, that nothing is kept.</summary>
    private sealed partial class ModeAnnouncer(ILogger<ModeAnnouncer> logger, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() => EmbeddedMode(logger));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(1, LogLevel.Warning,
            "Embedded mode: one silo with in-memory grain state and reminders. State is NOT kept: every task is lost when this process stops. Set ConnectionStrings__Redis and ConnectionStrings__Postgres for cluster mode.")]
        private static partial void EmbeddedMode(ILogger logger);
    }
}
