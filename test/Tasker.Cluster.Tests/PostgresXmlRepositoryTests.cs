using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
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

    /// <summary>One silo's Data Protection, as AddTaskerSecrets wires it in cluster mode, over the shared ring.</summary>
    private ServiceProvider Silo(string service)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection().SetApplicationName(SecretsExtensions.ApplicationName);
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new PostgresXmlRepository(_database, service));
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
}
