using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Tasker.Grains.Tests;

/// <summary>A one-silo test cluster with Tasker's grains, short chunks and a 2-second reminder, on the storage a test gives.</summary>
internal static class OneSiloCluster
{
    /// <param name="storage">Registers the grain storage named <see cref="TaskerStorage.Name"/>.</param>
    /// <param name="more">Anything else the test adds, registered before Tasker's grains (so it wins over their defaults).</param>
    public static async Task<InProcessTestCluster> StartAsync(Action<ISiloBuilder> storage, Action<ISiloBuilder>? more = null)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            storage(silo);
            silo.UseInMemoryReminderService();
            silo.Services.Configure<Tasker.Records.DataSetOptions>(d => d.Rows = 0);
            silo.Services.AddSingleton<Tasker.Secrets.ISecretProtector, MarkedSecrets>();
            more?.Invoke(silo);
            silo.AddTaskerGrains(o => o.Configure(t =>
            {
                t.ChunkBudget = TimeSpan.FromMilliseconds(20);
                t.ReminderPeriod = TimeSpan.FromSeconds(2);
            }));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
