using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Tasker.Silo.Hosting;

/// <summary>
/// The console's format (the simple one, with scopes), less the start-up notes that ask for something Tasker chose
/// not to do, so that the first screen opens with what runs and where: Orleans' advice to run server GC (workstation GC
/// is chosen on purpose, docs/adr/027; the mode's line says so once) and Data Protection's note that no key encryptor
/// is configured (an embedded key ring lives in the silo's own file or memory; a cluster's unencrypted ring gets
/// Tasker's own warning, naming the setting that encrypts it). Also left out: Orleans' watchdog's claim, on its first
/// check, that its participant check "has not completed" for longer than this process has lived (it measures from a
/// timestamp not yet set, so the figure is the machine's uptime); a real stall, shorter than that, still shows. Only
/// the console is spared them: other log providers still receive every line.
/// </summary>
internal sealed class QuietConsoleFormatter(IServiceProvider services) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "tasker";

    /// <summary>The notes left out, by category and event id.</summary>
    private static readonly (string Category, int EventId)[] _quiet =
    [
        ("Orleans.Runtime.Silo", 100405), // "Note: Silo not running with ServerGC turned on", and its companion.
        ("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", 35), // "No XML encryptor configured."
    ];

    private const string WatchdogCategory = "Orleans.Runtime.Watchdog";
    private const int WatchdogStallEventId = 100150;
    private const string StallDurationField = "TimeSinceLastTick";

    private readonly TimeProvider _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
    private readonly DateTimeOffset _processStarted = ProcessStarted();
    private ConsoleFormatter? _simple;

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        foreach (var (category, eventId) in _quiet)
        {
            if (logEntry.EventId.Id == eventId && logEntry.Category == category)
            {
                return;
            }
        }

        if (logEntry.EventId.Id == WatchdogStallEventId && logEntry.Category == WatchdogCategory && LongerThanThisProcess(logEntry.State))
        {
            return;
        }

        // Found when first needed: the formatters are made together, this one among them.
        _simple ??= services.GetServices<ConsoleFormatter>().First(f => f.Name == ConsoleFormatterNames.Simple);
        _simple.Write(in logEntry, scopeProvider, textWriter);
    }

    private bool LongerThanThisProcess<TState>(TState state) =>
        state is IReadOnlyList<KeyValuePair<string, object?>> fields
        && fields.FirstOrDefault(f => f.Key == StallDurationField).Value is TimeSpan stalled
        && stalled > _time.GetUtcNow() - _processStarted;

    private static DateTimeOffset ProcessStarted()
    {
        using var process = Process.GetCurrentProcess();
        return new DateTimeOffset(process.StartTime.ToUniversalTime());
    }
}
