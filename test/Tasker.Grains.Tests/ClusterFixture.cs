using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;
using Tasker.Clients;
using Tasker.Records;
using Tasker.Storage;

namespace Tasker.Grains.Tests;

/// <summary>One in-process two-silo cluster with memory storage and reminders, shared by the grain tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>Shell tasks queued or leased at once in this cluster (only the shell queue tests use the queue).</summary>
    public const int ShellQueueLimit = 5;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        // What embedded mode keeps in one process's memory, these two silos share, as cluster mode's tables would.
        var history = new InMemoryHistoryStore(Options.Create(new TaskerOptions { MaxHistoryPerClient = 20 }));
        var records = new InMemoryRecordStore();
        var due = new Tasker.Due.InMemoryDueStore();
        InProcessGrainStorage? states = null;
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>(TaskerStorage.Name, (services, _) =>
                LazyInitializer.EnsureInitialized(ref states, () => new InProcessGrainStorage(services.GetRequiredService<Orleans.Serialization.Serializer>())));
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IHistoryStore>(history);
            silo.Services.AddSingleton<Tasker.Secrets.ISecretProtector, MarkedSecrets>();
            silo.Services.AddSingleton<IRecordStore>(records);
            silo.Services.AddSingleton<Tasker.Due.IDueStore>(due);
            silo.Services.AddSingleton<Tasker.Handlers.ITaskHandler, Tasks.FlakyHandler>();
            silo.Services.Configure<DataSetOptions>(d => d.Rows = 0);
            silo.Services.Configure<Tasker.Handlers.SequenceOptions>(o => o.MaxSequenceN = 100_000); // Long enough to be caught running.
            silo.Services.Configure<Tasker.Shell.ShellOptions>(o =>
            {
                o.Enabled = true; // The grains refuse shell tasks while they are off (docs/adr/028).
                o.MaxQueued = ShellQueueLimit;
            });
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

/// <summary>The grain tests' stand-in for Data Protection (the silo's is tested in Tasker.Silo.Tests): reversible, marked.</summary>
internal sealed class MarkedSecrets : Tasker.Secrets.ISecretProtector
{
    public string Protect(string plaintext) => "sealed:" + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(plaintext));

    public string Unprotect(string protectedText) =>
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(protectedText["sealed:".Length..]));
}
