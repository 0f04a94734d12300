using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Tasker.Clients;
using Tasker.Files;
using Tasker.Chat;
using Tasker.Handlers;
using Tasker.Records;
using Tasker.Tasks;
using Tasker.Users;

namespace Tasker;

/// <summary>Registers Tasker's grains' services on a silo.</summary>
public static class TaskerSiloBuilderExtensions
{
    /// <summary>
    /// Adds the task handlers and <see cref="TaskerOptions"/> (bound from the <c>Tasker</c> section, validated at start),
    /// and the chat endpoint's client with <see cref="ChatOptions"/> (the <c>Tasker:Chat</c> section).
    /// The host still chooses the grain storage named <see cref="TaskerStorage.Name"/> and the reminder service.
    /// </summary>
    public static ISiloBuilder AddTaskerGrains(this ISiloBuilder silo, Action<OptionsBuilder<TaskerOptions>>? configure = null)
    {
        var options = silo.Services.AddValidatedOptions<TaskerOptions>(TaskerOptions.SectionName);
        configure?.Invoke(options);
        silo.AddIncomingGrainCallFilter<Storage.StorageFailureFilter>();

        silo.Services.AddSingleton<ITaskHandler, Sum2Handler>();
        silo.Services.AddSingleton<ITaskHandler, Mult3Handler>();
        silo.Services.AddSingleton<ITaskHandler, SurpriseHandler>();
        silo.Services.AddSingleton<ITaskHandler, InputHandler>();
        silo.Services.AddValidatedOptions<InputOptions>(TaskerOptions.SectionName);
        silo.Services.AddSingleton<ITaskHandler, SequenceHandler>();
        silo.Services.AddValidatedOptions<SequenceOptions>(TaskerOptions.SectionName);
        silo.Services.AddSingleton<ITaskHandler, SumResultsHandler>();
        silo.Services.AddSingleton<ITaskHandler, CountHandler>();
        silo.Services.AddValidatedOptions<CountOptions>(TaskerOptions.SectionName);
        silo.Services.AddSingleton<ITaskHandler, CsvExportHandler>();
        silo.Services.AddValidatedOptions<CsvExportOptions>(TaskerOptions.SectionName);
        silo.Services.AddSingleton<ITaskHandler, CsvImportHandler>();
        silo.Services.AddValidatedOptions<CsvImportOptions>(TaskerOptions.SectionName);
        silo.Services.AddTaskerChat();
        silo.Services.AddSingleton<ITaskHandler, ChatHandler>();
        silo.Services.AddSingleton<ITaskHandler, ConversationHandler>();
        silo.Services.AddSingleton<ITaskHandler, Shell.ShellHandler>();
        silo.Services.AddValidatedOptions<Shell.ShellOptions>(Shell.ShellOptions.SectionName);
        silo.Services.AddSingleton<TaskHandlerRegistry>();
        silo.Services.AddSingleton<InstantTasks>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<Due.IDueStore, Due.InMemoryDueStore>(); // The PostgreSQL and SQLite storages register their own first.
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Due.DueShardsStarter>();
        silo.Services.TryAddSingleton<INewTaskStore, GrainStorageNewTaskStore>(); // The PostgreSQL and SQLite storages replace it (ADR 026).
        silo.Services.TryAddSingleton(new TaskActivations(wholeCluster: false)); // Embedded mode registers its own first.
        silo.Services.AddSingleton(Caching.IShortResultCache.Create);
        silo.Services.AddSingleton<Secrets.SecretParameters>(); // Its ISecretProtector comes from the host (docs/adr/018).
        silo.Services.AddValidatedOptions<FilesOptions>(FilesOptions.SectionName);
        silo.Services.AddValidatedOptions<Processes.ProcessHealthOptions>(Processes.ProcessHealthOptions.SectionName);
        silo.Services.AddHostedService<Processes.ProcessHealthWatcher>();
        silo.Services.AddValidatedOptions<DataSetOptions>(DataSetOptions.SectionName);
        // Tiers (Tasker:Tiers:<name>): configured ones are added to, or change, the built-in free and paid.
        silo.Services.AddValidatedOptions<TiersOptions>()
            .Configure<IConfiguration>((tiers, config) =>
            {
                foreach (var section in config.GetSection(TiersOptions.SectionName).GetChildren())
                {
                    if (!tiers.Tiers.TryGetValue(section.Key, out var tier))
                    {
                        tiers.Tiers[section.Key] = tier = new TierOptions();
                    }

                    section.Bind(tier);
                }
            });
        // Retry defaults per type (Tasker:Retry:Types:<type>): configured ones are added to, or change, chat's and conversation's.
        silo.Services.AddValidatedOptions<AttemptOptions>()
            .Configure<IConfiguration>((attempts, config) =>
            {
                foreach (var section in config.GetSection(AttemptOptions.SectionName + ":Types").GetChildren())
                {
                    if (!attempts.Types.TryGetValue(section.Key, out var type))
                    {
                        attempts.Types[section.Key] = type = new TypeAttemptOptions();
                    }

                    section.Bind(type);
                }
            });
        silo.Services.AddSingleton<TaskFiles>();
        silo.Services.AddValidatedOptions<Schedules.ScheduleOptions>(Schedules.ScheduleOptions.SectionName);
        silo.Services.AddValidatedOptions<Webhooks.WebhookOptions>(Webhooks.WebhookOptions.SectionName); // The host adds the sender and bodies.
        silo.Services.AddHostedService<Webhooks.WebhookStartNotice>();
        silo.Services.AddValidatedOptions<Retention.RetentionOptions>(Retention.RetentionOptions.SectionName);
        silo.Services.AddSingleton<Retention.IdempotencyKeyLedger>();
        silo.Services.TryAddSingleton<Retention.IStateRowSweeper, Retention.NoStateRowsLeft>(); // Cluster mode registers its own first.
        silo.Services.AddSingleton<Retention.RetentionSweeper>();
        silo.Services.AddHostedService(s => s.GetRequiredService<Retention.RetentionSweeper>());
        silo.Services.TryAddSingleton<IRecordStore, InMemoryRecordStore>(); // Cluster mode registers its tables first.
        silo.Services.TryAddSingleton<IHistoryStore, InMemoryHistoryStore>();
        silo.Services.AddSingleton<DataSetSeeder>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(s => s.GetRequiredService<DataSetSeeder>());
        silo.Services.AddOptions<ReminderOptions>().Configure<IOptions<TaskerOptions>>((reminders, tasker) =>
        {
            // Lowered only when configured below the Orleans minimum (tests, failover drills).
            if (tasker.Value.ReminderPeriod < reminders.MinimumReminderPeriod)
            {
                reminders.MinimumReminderPeriod = tasker.Value.ReminderPeriod;
            }
        });
        return silo;
    }
}
