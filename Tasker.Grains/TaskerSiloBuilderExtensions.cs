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
        var options = silo.Services.AddOptions<TaskerOptions>()
            .BindConfiguration(TaskerOptions.SectionName)
            .ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<TaskerOptions>, DataAnnotationsValidator<TaskerOptions>>();
        configure?.Invoke(options);
        silo.AddIncomingGrainCallFilter<Storage.StorageFailureFilter>();

        silo.Services.AddSingleton<ITaskHandler, Sum2Handler>();
        silo.Services.AddSingleton<ITaskHandler, Mult3Handler>();
        silo.Services.AddSingleton<ITaskHandler, SurpriseHandler>();
        silo.Services.AddSingleton<ITaskHandler, InputHandler>();
        silo.Services.AddSingleton<ITaskHandler, SequenceHandler>();
        silo.Services.AddSingleton<ITaskHandler, CountHandler>();
        silo.Services.AddSingleton<ITaskHandler, CsvExportHandler>();
        silo.Services.AddSingleton<ITaskHandler, CsvImportHandler>();
        silo.Services.AddTaskerChat();
        silo.Services.AddSingleton<ITaskHandler, ChatHandler>();
        silo.Services.AddSingleton<ITaskHandler, ConversationHandler>();
        silo.Services.AddSingleton<ITaskHandler, Shell.ShellHandler>();
        AddValidatedOptions<Shell.ShellOptions>(silo.Services, Shell.ShellOptions.SectionName);
        silo.Services.AddSingleton<TaskHandlerRegistry>();
        silo.Services.AddSingleton<InstantTasks>();
        silo.Services.TryAddSingleton<INewTaskStore, GrainStorageNewTaskStore>(); // The PostgreSQL and SQLite storages replace it (ADR 026).
        silo.Services.TryAddSingleton(new TaskActivations(wholeCluster: false)); // Embedded mode registers its own first.
        silo.Services.AddSingleton(Caching.IShortResultCache.Create);
        silo.Services.AddSingleton<Secrets.SecretParameters>(); // Its ISecretProtector comes from the host (docs/adr/018).
        AddValidatedOptions<FilesOptions>(silo.Services, FilesOptions.SectionName);
        AddValidatedOptions<Processes.ProcessHealthOptions>(silo.Services, Processes.ProcessHealthOptions.SectionName);
        silo.Services.AddHostedService<Processes.ProcessHealthWatcher>();
        AddValidatedOptions<DataSetOptions>(silo.Services, DataSetOptions.SectionName);
        // Tiers (Tasker:Tiers:<name>): configured ones are added to, or change, the built-in free and paid.
        silo.Services.AddOptions<TiersOptions>()
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
            })
            .ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<TiersOptions>, DataAnnotationsValidator<TiersOptions>>();
        silo.Services.AddSingleton<TaskFiles>();
        silo.Services.TryAddSingleton(TimeProvider.System); // Tests move a fake one.
        AddValidatedOptions<Schedules.ScheduleOptions>(silo.Services, Schedules.ScheduleOptions.SectionName);
        AddValidatedOptions<Retention.RetentionOptions>(silo.Services, Retention.RetentionOptions.SectionName);
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

    private static void AddValidatedOptions<TOptions>(IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, DataAnnotationsValidator<TOptions>>();
    }
}
