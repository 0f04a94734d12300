using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;
using Tasker.Clients;
using Tasker.Records;
using Tasker.Silo.Cluster;
using Tasker.Silo.Embedded;
using Tasker.Silo.Secrets;
using Tasker.Storage;

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

        var embedded = mode == TaskerMode.Embedded ? EmbeddedStorageOptions(builder.Configuration) : null;
        var database = embedded is { Storage: EmbeddedStorage.Sqlite } ? SqliteDatabase.Open(embedded.DatabaseFile) : null;

        builder.Services.AddSingleton(Options.Create(host));
        builder.Services.AddSingleton(new TaskerModeInfo(mode, database?.File));
        if (builder.Configuration["shutdownTimeoutSeconds"] is null)
        {
            // Docker sends SIGKILL 10 s after SIGTERM: stop within that, whatever is still running. Long tasks lose
            // nothing (their checkpoints are stored and their reminders wake them elsewhere); waiting requests end
            // at once (StopWaitingOnShutdown). DOTNET_shutdownTimeoutSeconds overrides it. What is still stopping
            // after that, StopDeadline ends (docs/adr/032).
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(7));
        }

        builder.UseOrleans(silo =>
        {
            // A grain call carries the caller's trace (traceparent in its request context), also to other silos, so
            // that the grain's log lines carry the request's trace id (docs/adr/016).
            silo.AddActivityPropagation();

            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = host.ClusterId;
                o.ServiceId = host.ServiceId;
            });

            // Orleans' ports have neither authentication nor TLS: they listen on the advertised address only (never on
            // every interface), and the gateway only when configured (0 is none). See docs/adr/030.
            var gatewayPort = host.GatewayPort ?? 0;
            if (mode == TaskerMode.Embedded)
            {
                silo.UseLocalhostClustering(host.SiloPort, gatewayPort, null, host.ServiceId, host.ClusterId);
                if (host.AdvertisedIP is { Length: > 0 } advertised)
                {
                    silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Parse(advertised));
                }

                if (database is not null)
                {
                    silo.AddTaskerSqliteStorage(database);
                }
                else
                {
                    // In this process, not in Orleans' storage grains: a grain call less on every state read and write.
                    silo.AddTaskerInProcessStorage();
                }

                // In memory in both embedded storages: the durable one wakes unfinished tasks at start-up instead.
                silo.UseInMemoryReminderService();

                // One silo is the whole cluster: a task not active here is active nowhere (ADR 025, the sweep).
                silo.Services.AddSingleton(new Tasker.Tasks.TaskActivations(wholeCluster: true));
            }
            else
            {
                var redis = RedisOptions(builder.Configuration.GetConnectionString("Redis")!);
                silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
                silo.UseRedisReminderService(o => o.ConfigurationOptions = redis);
                if (host.AdvertisedIP is { Length: > 0 } advertised)
                {
                    silo.ConfigureEndpoints(IPAddress.Parse(advertised), host.SiloPort, gatewayPort, listenOnAnyHostAddress: false);
                }
                else
                {
                    // In a container the host name resolves to the container's own address, which the other silos reach.
                    silo.ConfigureEndpoints(Dns.GetHostName(), host.SiloPort, gatewayPort, AddressFamily.InterNetwork, listenOnAnyHostAddress: false);
                }

                var postgres = builder.Configuration.GetConnectionString("Postgres")!;
                silo.AddTaskerPostgresStorage(postgres);
                silo.Services.AddSingleton<IRecordStore, PostgresRecordStore>();
                silo.Services.AddSingleton<IHistoryStore, PostgresHistoryStore>();
                silo.Services.AddSingleton<Due.IDueStore, PostgresDueStore>();
                silo.Services.AddSingleton<Retention.IStateRowSweeper, PostgresStateRowSweeper>();
            }

            silo.AddTaskerGrains();
            silo.AddDashboard();
        });

        builder.Services.AddTaskerSecrets(mode, database);
        builder.Services.AddHostedService<ModeAnnouncer>();
        return builder;
    }

    /// <summary>The embedded storage settings, validated: a mistake stops the start with one line.</summary>
    private static EmbeddedOptions EmbeddedStorageOptions(IConfiguration configuration)
    {
        var options = configuration.GetSection(EmbeddedOptions.SectionName).Get<EmbeddedOptions>() ?? new EmbeddedOptions();
        var validation = new DataAnnotationsValidator<EmbeddedOptions>().Validate(null, options);
        return validation.Failed ? throw new TaskerConfigurationException(validation.FailureMessage) : options;
    }

    /// <summary>
    /// StackExchange.Redis options from the connection string. A silo keeps trying rather than dying when Redis is
    /// briefly away, so that Tasker serves again without a restart when it comes back.
    /// </summary>
    public static ConfigurationOptions RedisOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 3000;
        options.SyncTimeout = 3000;
        options.AsyncTimeout = 3000;
        return options;
    }

    /// <summary>Says at start-up which mode runs, where its state is, and that workstation GC is chosen on purpose.</summary>
    private sealed partial class ModeAnnouncer(
        ILogger<ModeAnnouncer> logger, IHostApplicationLifetime lifetime, TaskerModeInfo mode, IOptions<OrleansHostOptions> host) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                if (mode.Mode == TaskerMode.Embedded && mode.DatabaseFile is { } file)
                {
                    EmbeddedDurable(logger, file);
                }
                else if (mode.Mode == TaskerMode.Embedded)
                {
                    EmbeddedMode(logger);
                }
                else
                {
                    ClusterMode(logger, host.Value.ClusterId, host.Value.ServiceId, host.Value.SiloPort,
                        host.Value.GatewayPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "off");
                }

                if (!System.Runtime.GCSettings.IsServerGC)
                {
                    WorkstationGc(logger); // Orleans' console advice to the contrary is left out (QuietConsoleFormatter).
                }
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
