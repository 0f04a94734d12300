using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tasker.Silo.Hosting;

namespace Tasker.Silo.Tests;

/// <summary>
/// The console's first screen says what runs and where: the start-up notes that ask for what Tasker chose not to do, and
/// the watchdog's impossible first figure, stay off it; anything else, a real stall among them, is written.
/// </summary>
public sealed class QuietConsoleFormatterTests
{
    private const string Watchdog = "Orleans.Runtime.Watchdog";
    private const int StallEventId = 100150;

    [Fact]
    public void A_watchdog_stall_longer_than_the_process_has_lived_is_left_out()
    {
        Assert.Equal("", Format(Watchdog, StallEventId, Stall(TimeSpan.FromDays(3))));
    }

    [Fact]
    public void A_watchdog_stall_within_the_process_life_is_written()
    {
        Assert.Contains("has not completed for 00:00:00.0010000", Format(Watchdog, StallEventId, Stall(TimeSpan.FromMilliseconds(1))), StringComparison.Ordinal);
    }

    [Fact]
    public void The_server_GC_advice_and_the_missing_encryptor_note_are_left_out()
    {
        Assert.Equal("", Format("Orleans.Runtime.Silo", 100405, Message("Note: Silo not running with ServerGC turned on")));
        Assert.Equal("", Format("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", 35, Message("No XML encryptor configured.")));
    }

    [Fact]
    public void Another_line_with_the_same_event_id_is_written()
    {
        Assert.Contains("Tasker says hello", Format("Tasker.Somewhere", 100405, Message("Tasker says hello")), StringComparison.Ordinal);
    }

    private static List<KeyValuePair<string, object?>> Stall(TimeSpan stalled) =>
    [
        new("TimeSinceLastTick", stalled),
        new("{OriginalFormat}", "Participant check thread has not completed for {TimeSinceLastTick}, potentially indicating lock contention or deadlock, CPU starvation, or another execution anomaly."),
    ];

    private static List<KeyValuePair<string, object?>> Message(string text) => [new("{OriginalFormat}", text)];

    private static string Format(string category, int eventId, List<KeyValuePair<string, object?>> state)
    {
        using var services = new ServiceCollection().AddLogging(b => b.AddSimpleConsole()).BuildServiceProvider();
        var formatter = new QuietConsoleFormatter(services);
        var entry = new LogEntry<List<KeyValuePair<string, object?>>>(LogLevel.Warning, category, new EventId(eventId), state, null, Render);
        using var text = new StringWriter();
        formatter.Write(in entry, null, text);
        return text.ToString();
    }

    private static string Render(List<KeyValuePair<string, object?>> state, Exception? exception)
    {
        var template = (string)state.Single(f => f.Key == "{OriginalFormat}").Value!;
        return state.Where(f => f.Key != "{OriginalFormat}")
            .Aggregate(template, (text, field) => text.Replace("{" + field.Key + "}", Convert.ToString(field.Value, System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }
}
