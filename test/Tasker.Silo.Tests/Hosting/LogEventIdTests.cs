using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Tasker.Silo.Tests;

/// <summary>
/// Every log message has an event id of its own, within its area's range (docs/logging.md), so that a log query
/// by id finds one message and a new message's id is chosen by looking at one list.
/// </summary>
public sealed class LogEventIdTests
{
    /// <summary>The ranges by namespace: each area's messages take ids from its own hundred.</summary>
    private static readonly (string Namespace, int First)[] _areas =
    [
        ("Tasker.Tasks", 1000),
        ("Tasker.Handlers", 1100),
        ("Tasker.Shell", 2000),
        ("Tasker.Processes", 2200),
        ("Tasker.Records", 2300),
        ("Tasker.Retention", 2400),
        ("Tasker.Due", 2500),
        ("Tasker.Schedules", 2600),
        ("Tasker.Webhooks", 2700),
        ("Tasker.Silo.FrontEnd", 3000),
        ("Tasker.Silo.Auth", 3100),
        ("Tasker.Silo.Hosting", 3200),
        ("Tasker.Silo.Cluster", 3300),
        ("Tasker.Silo.Embedded", 3400),
        ("Tasker.Silo.OldSystems", 3500),
        ("Tasker.Silo.Secrets", 3600),
        ("Tasker.Silo.Endpoints", 3700),
    ];

    private static IEnumerable<(MethodInfo Method, LoggerMessageAttribute Message)> Messages() =>
        new[] { typeof(TaskerSiloBuilderExtensions).Assembly, typeof(FrontEnd.TaskerExceptionHandler).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Select(method => (method, method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Item2 is not null)
            .Select(m => (m.method, m.Item2!));

    private static string Name(MethodInfo method) => $"{method.DeclaringType!.FullName}.{method.Name}";

    [Fact]
    public void No_two_log_messages_share_an_event_id()
    {
        var shared = Messages()
            .GroupBy(m => m.Message.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => Name(m.Method)))}")
            .ToList();

        Assert.True(Messages().Any(), "no [LoggerMessage] found: the scan is broken");
        Assert.Empty(shared);
    }

    [Fact]
    public void Every_log_message_takes_its_id_from_its_areas_range()
    {
        var outside = Messages()
            .Select(m => (m.Method, m.Message.EventId, Area: _areas.Where(a => m.Method.DeclaringType!.Namespace!.StartsWith(a.Namespace, StringComparison.Ordinal))
                .Select(a => (int?)a.First).LastOrDefault()))
            .Where(m => m.Area is not { } first || m.EventId < first || m.EventId >= first + 100)
            .Select(m => $"{Name(m.Method)}: {m.EventId} (area from {m.Area?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: give its namespace a range"})")
            .ToList();

        Assert.Empty(outside);
    }
}
