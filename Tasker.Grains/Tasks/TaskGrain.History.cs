using Microsoft.Extensions.DependencyInjection;
using Tasker.Clients;

namespace Tasker.Tasks;

/// <summary>
/// The task's line in its client's history: written after each phase change, refreshed with progress while it runs,
/// and written again by the reminder until it shows the task's end (docs/adr/014).
/// </summary>
public sealed partial class TaskGrain
{
    // A running task's history line shows its progress, refreshed no more often than this (docs/adr/017).
    private static readonly TimeSpan _progressLineEvery = TimeSpan.FromSeconds(1);
    private long _progressLineAt;
    private IHistoryStore? _history;

    /// <summary>Updates the client's history after a phase change; a failure is logged, not allowed to fail the task.</summary>
    private async Task AfterPhaseChangeAsync()
    {
        await ReleaseSlotIfEndedAsync();
        try
        {
            await RecordHistoryAsync();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The task itself is committed; its history line keeps its previous status until the reminder, held for
            // this, writes it again (ReceiveReminder): the history converges to the end the task reached.
            TaskGrainLog.HistoryFailed(logger, Id, S.Client, exception);
            if (S.Phase.IsFinal())
            {
                await HoldReminderForHistoryAsync();
            }
        }

        TaskEvents.Ended(logger, Id, S);
    }

    /// <summary>Refreshes the running task's history line with its progress, at most once a second; best effort.</summary>
    private async Task RecordProgressLineAsync()
    {
        if (S.ParentId is not null || System.Diagnostics.Stopwatch.GetElapsedTime(_progressLineAt) < _progressLineEvery)
        {
            return;
        }

        _progressLineAt = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await RecordHistoryAsync();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            TaskGrainLog.HistoryFailed(logger, Id, S.Client, exception); // The next chunk's line will carry it.
        }
    }

    private async Task RecordHistoryAsync()
    {
        if (S.ParentId is not null)
        {
            return; // Children are not listed in the client's history; their parent is.
        }

        if (RunsOnAgent)
        {
            // A shell task writes three lines within milliseconds (queued, running, ended): straight to the silo's
            // history store, as a short task's line (docs/adr/025), since the client grain would only forward it.
            await (_history ??= ServiceProvider.GetRequiredService<IHistoryStore>()).RecordAsync(S.Client, S.ToHistoryEntry(Id));
            return;
        }

        await GrainFactory.GetGrain<IClientGrain>(S.Client).RecordAsync(S.ToHistoryEntry(Id));
    }

    private async Task HoldReminderForHistoryAsync()
    {
        try
        {
            await HoldReminderAsync();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Both stores are away: the line stays behind until the task is touched again (a read does not rewrite it).
            TaskGrainLog.HistoryFailed(logger, Id, S.Client, exception);
        }
    }
}
