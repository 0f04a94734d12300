using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Tasker.Silo.Hosting;
using Tasker.Silo.Secrets;

namespace Tasker.Cluster.Tests;

/// <summary>
/// The cluster's Data Protection key ring in PostgreSQL, against the real server: what one silo encrypts, another
/// (or the same after a restart) decrypts, because they read the same ring; another service's ring does not open it.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class PostgresXmlRepositoryTests(ClusterServers servers) : IAsyncLifetime
{
    private readonly string _service = "ring-" + Guid.NewGuid().ToString("N")[..8];
    private NpgsqlDataSource _database = null!;

    public Task InitializeAsync()
    {
        _database = NpgsqlDataSource.Create(servers.Postgres);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    /// <summary>One silo's Data Protection as AddTaskerSecrets wires it in cluster mode, over the shared ring.</summary>
    private ServiceProvider Silo(string service, byte[]? ringKey = null, ILoggerProvider? logs = null)
    {
        var settings = new Dictionary<string, string?> { ["Tasker:Secrets:RingKey"] = ringKey is null ? null : Convert.ToBase64String(ringKey) };
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton(_database);
        services.Configure<ClusterOptions>(o => o.ServiceId = service);
        services.AddTaskerSecrets(TaskerMode.Cluster);
        services.AddSingleton<DataProtectionSecrets>();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void What_one_silo_encrypts_another_silo_and_a_restarted_one_decrypt()
    {
        string sealedKey;
        using (var first = Silo(_service))
        {
            sealedKey = first.GetRequiredService<DataProtectionSecrets>().Protect("sk-secret-value-42");
        }

        using var second = Silo(_service);
        Assert.Equal("sk-secret-value-42", second.GetRequiredService<DataProtectionSecrets>().Unprotect(sealedKey));
        Assert.DoesNotContain("sk-secret", sealedKey, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_silos_starting_together_decrypt_each_other()
    {
        using var a = Silo(_service);
        using var b = Silo(_service);

        // Each may make its own key first; both keys are rows of the ring, and an unknown key makes a silo read it anew.
        var fromA = a.GetRequiredService<DataProtectionSecrets>().Protect("from-a");
        var fromB = b.GetRequiredService<DataProtectionSecrets>().Protect("from-b");

        Assert.Equal("from-a", b.GetRequiredService<DataProtectionSecrets>().Unprotect(fromA));
        Assert.Equal("from-b", a.GetRequiredService<DataProtectionSecrets>().Unprotect(fromB));
    }

    [Fact]
    public async Task With_a_ring_key_the_stored_ring_is_encrypted_and_opens_only_with_that_key()
    {
        var ringKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        string sealedValue;
        using (var first = Silo(_service, ringKey))
        {
            sealedValue = first.GetRequiredService<DataProtectionSecrets>().Protect("sk-ring-protected");
        }

        await using (var command = _database.CreateCommand("SELECT string_agg(xml, '') FROM tasker_data_protection_keys WHERE service_id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _service });
            var rows = (string)(await command.ExecuteScalarAsync())!;
            Assert.Contains("taskerRingKeyEncrypted", rows, StringComparison.Ordinal);
            Assert.DoesNotContain("unencrypted form", rows, StringComparison.Ordinal);

            // The keys' secrets, opened with the ring key, are nowhere in the rows in the clear.
            var masterKeys = System.Xml.Linq.XElement.Parse($"<ring>{rows}</ring>").Descendants("taskerRingKeyEncrypted")
                .Select(sealedKey => RingKeyXmlEncryptor.Decrypt(ringKey, sealedKey).Descendants("value").Single().Value)
                .ToList();
            Assert.NotEmpty(masterKeys);
            Assert.DoesNotContain("masterKey", rows, StringComparison.Ordinal);
            Assert.All(masterKeys, key => Assert.DoesNotContain(key, rows, StringComparison.Ordinal));
        }

        using (var sameKey = Silo(_service, ringKey))
        {
            Assert.Equal("sk-ring-protected", sameKey.GetRequiredService<DataProtectionSecrets>().Unprotect(sealedValue));
        }

        using var otherKey = Silo(_service, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => otherKey.GetRequiredService<DataProtectionSecrets>().Unprotect(sealedValue));
    }

    [Fact]
    public void Another_service_ring_cannot_decrypt()
    {
        string sealedKey;
        using (var mine = Silo(_service))
        {
            sealedKey = mine.GetRequiredService<DataProtectionSecrets>().Protect("only-mine");
        }

        using var other = Silo(_service + "-other");
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => other.GetRequiredService<DataProtectionSecrets>().Unprotect(sealedKey));
    }

    [Fact]
    public async Task A_silo_without_a_ring_key_warns_at_start_that_the_ring_is_stored_unencrypted_and_one_with_it_does_not()
    {
        var withoutKey = new WarningLog();
        using (var silo = Silo(_service, logs: withoutKey))
        {
            await StartAsync(silo);
        }

        var withKey = new WarningLog();
        using (var silo = Silo(_service + "-keyed", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), withKey))
        {
            await StartAsync(silo);
        }

        Assert.Contains(withoutKey.Warnings, w => w.Contains("Tasker__Secrets__RingKey is not set", StringComparison.Ordinal));
        Assert.DoesNotContain(withKey.Warnings, w => w.Contains("RingKey", StringComparison.Ordinal));
    }

    private static async Task StartAsync(ServiceProvider silo)
    {
        foreach (var service in silo.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }
    }

    /// <summary>The warnings logged, as text.</summary>
    private sealed class WarningLog : ILoggerProvider, ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _warnings = new();

        public IReadOnlyCollection<string> Warnings => _warnings;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                _warnings.Enqueue(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
