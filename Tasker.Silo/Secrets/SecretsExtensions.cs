using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Tasker.Secrets;
using Tasker.Silo.Embedded;
using Tasker.Silo.Hosting;

namespace Tasker.Silo.Secrets;

/// <summary>Wires Data Protection for secret task parameters (docs/adr/018).</summary>
public static partial class SecretsExtensions
{
    /// <summary>The application name of the key ring: every silo of a service must use the same one.</summary>
    public const string ApplicationName = "Tasker";

    /// <summary>
    /// Data Protection with the key ring where the grain state is: in memory (embedded in memory), in the embedded
    /// database (<paramref name="database"/>) or in Tasker's PostgreSQL (cluster); keyed by the service id and
    /// encrypted under <see cref="SecretsOptions.RingKey"/> when set where it is stored; and the
    /// <see cref="ISecretProtector"/> the handlers use.
    /// </summary>
    public static IServiceCollection AddTaskerSecrets(this IServiceCollection services, TaskerMode mode, SqliteDatabase? database = null)
    {
        services.AddValidatedOptions<SecretsOptions>(SecretsOptions.Section);
        services.AddDataProtection().SetApplicationName(ApplicationName);
        if (database is not null)
        {
            services.AddOptions<KeyManagementOptions>()
                .Configure<IOptions<ClusterOptions>, IOptions<SecretsOptions>>((o, cluster, secrets) =>
                {
                    o.XmlRepository = new SqliteXmlRepository(database, cluster.Value.ServiceId);
                    if (secrets.Value.RingKeyBytes() is { } ringKey)
                    {
                        o.XmlEncryptor = new RingKeyXmlEncryptor(ringKey);
                    }
                });
        }
        else if (mode == TaskerMode.Embedded)
        {
            var ring = new InMemoryXmlRepository();
            services.Configure<KeyManagementOptions>(o => o.XmlRepository = ring);
        }
        else
        {
            services.AddOptions<KeyManagementOptions>()
                .Configure<NpgsqlDataSource, IOptions<ClusterOptions>, IOptions<SecretsOptions>>((o, database, cluster, secrets) =>
                {
                    o.XmlRepository = new PostgresXmlRepository(database, cluster.Value.ServiceId);
                    if (secrets.Value.RingKeyBytes() is { } ringKey)
                    {
                        o.XmlEncryptor = new RingKeyXmlEncryptor(ringKey);
                    }
                });
            services.AddHostedService<UnencryptedRingWarning>();
        }

        services.AddSingleton<ISecretProtector, DataProtectionSecrets>();
        return services;
    }

    /// <summary>
    /// Says at start-up that a cluster's key ring is stored unencrypted when no ring key is set. A warning, not a refusal:
    /// the database may be protected otherwise (a private network, encrypted backups), and a cluster that ran before
    /// must still start; docker-compose.yml requires the key.
    /// </summary>
    private sealed partial class UnencryptedRingWarning(ILogger<UnencryptedRingWarning> logger, IOptions<SecretsOptions> secrets) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (secrets.Value.RingKeyBytes() is null)
            {
                RingUnencrypted(logger);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
