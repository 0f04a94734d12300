using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Tasker.Grains.Tests;

/// <summary>One in-process two-silo cluster with memory storage and reminders, shared by the grain tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(TaskerStorage.Name);
            silo.UseInMemoryReminderService();
            silo.AddTaskerGrains(o => o.Configure(t =>
            {
                t.ChunkBudget = TimeSpan.FromMilliseconds(20);
                t.ReminderPeriod = TimeSpan.FromSeconds(2);
                t.MaxHistoryPerClient = 20;
            }));
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
