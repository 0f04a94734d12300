using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Tasker.Grains.Tests.Storage;

/// <summary>
/// A grain whose storage driver fails: the caller, in another process of the cluster, gets an exception it can read
/// (<see cref="StorageUnavailableException"/>, which the front end answers with 503), not a codec failure.
/// </summary>
public sealed class StorageFailureFilterTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddGrainStorage(TaskerStorage.Name, (_, _) => new UnreachableDatabase());
            silo.Services.AddSingleton<Tasker.Secrets.ISecretProtector, MarkedSecrets>();
            silo.UseInMemoryReminderService();
            silo.AddTaskerGrains();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_drivers_failure_reaches_the_caller_as_StorageUnavailableException_naming_it()
    {
        var idempotency = _cluster.Client.GetGrain<IIdempotencyGrain>("storage-failure\nkey-1");

        var failure = await Assert.ThrowsAsync<StorageUnavailableException>(() => idempotency.ClaimAsync(TaskIds.New()));

        Assert.Contains(nameof(DriverFailure), failure.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>What a database driver throws when its server is gone; its type has no Orleans codec.</summary>
    private sealed class DriverFailure() : DbException("connection refused");

    private sealed class UnreachableDatabase : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => throw new DriverFailure();

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => throw new DriverFailure();
    }
}
