using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tasker.Tasks;

namespace Tasker.Processes;

/// <summary>Settings of the processes' health (<c>Tasker:Processes</c>).</summary>
public sealed class ProcessHealthOptions
{
    public const string SectionName = "Tasker:Processes";

    /// <summary>
    /// Tasks of one type that must fail in a row (on one silo) before Tasker sets the type's status to <c>error</c>.
    /// Default 5.
    /// </summary>
    [Range(1, 1_000_000)]
    public int ErrorAfterFailures { get; set; } = 5;
}

/// <summary>
/// Sets a type's process status to <c>error</c> when its tasks keep failing, and back to <c>active</c> when one succeeds
/// (README.md, "Processes"). It informs; only <c>suspended</c> refuses requests. It listens to the tasks' outcomes as
/// they are counted for <c>/metrics</c> (<see cref="TaskMetrics"/>), so no task pays for it beyond a queued item,
/// and it calls the registry only when a status changes. It never overrides a person's choice: the registry changes
/// active to error and error to active only.
/// </summary>
public sealed partial class ProcessHealthWatcher(
    IGrainFactory grains, IOptions<ProcessHealthOptions> options, TimeProvider clock, ILogger<ProcessHealthWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan _tableAge = TimeSpan.FromSeconds(2);

    private readonly Channel<(string Type, bool Failed)> _outcomes = Channel.CreateBounded<(string, bool)>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly Dictionary<string, int> _failuresInARow = new(StringComparer.Ordinal);
    private HashSet<string> _inError = new(StringComparer.Ordinal);
    private DateTimeOffset _tableReadAt = DateTimeOffset.MinValue;
    private IProcessRegistryGrain? _registry; // Made once: resolving a reference per outcome was a visible cost at 10,000 tasks/s.

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TaskMetrics.MeterName && instrument.Name == TaskMetrics.CompletedName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>(OnCompleted);
        listener.Start();

        try
        {
            await foreach (var (type, failed) in _outcomes.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await ObserveAsync(type, failed);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    StatusNotChanged(logger, type, exception); // Informing only: the next outcome tries again.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo stops.
        }
    }

    private void OnCompleted(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? type = null, outcome = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case "type":
                    type = tag.Value as string;
                    break;
                case "outcome":
                    outcome = tag.Value as string;
                    break;
            }
        }

        if (type is not null && TaskPhases.TryParseWire(outcome, out var phase) && phase is TaskPhase.Succeeded or TaskPhase.Failed)
        {
            _outcomes.Writer.TryWrite((type, phase == TaskPhase.Failed));
        }
    }

    private async Task ObserveAsync(string type, bool failed)
    {
        var registry = _registry ??= grains.GetGrain<IProcessRegistryGrain>(0);
        if (failed)
        {
            var inARow = _failuresInARow[type] = _failuresInARow.GetValueOrDefault(type) + 1;
            if (inARow == options.Value.ErrorAfterFailures)
            {
                var reason = $"{inARow} {type} tasks failed in a row; it goes back to active when one succeeds";
                if (await registry.ChangeStatusAsync(type, ProcessStatus.Active, ProcessStatus.Error, reason))
                {
                    _inError.Add(type);
                    SetError(logger, type, inARow);
                }
            }

            return;
        }

        _failuresInARow[type] = 0;
        if (clock.GetUtcNow() - _tableReadAt > _tableAge)
        {
            // Another silo may have set the error: the table, read at most every two seconds, says which types are in it.
            var table = await registry.GetTableAsync();
            _inError = new HashSet<string>(table.Entries.Where(e => e.Status == ProcessStatus.Error).Select(e => e.Type), StringComparer.Ordinal);
            _tableReadAt = clock.GetUtcNow();
        }

        if (_inError.Remove(type) && await registry.ChangeStatusAsync(type, ProcessStatus.Error, ProcessStatus.Active, "a task succeeded"))
        {
            SetActive(logger, type);
        }
    }
}
