using Microsoft.Extensions.Time.Testing;
using Tasker.Schedules;

namespace Tasker.Grains.Tests.Schedules;

/// <summary>
/// Due times across daylight saving in Europe/Berlin (2026: clocks go from 02:00 to 03:00 on 29 March and from 03:00
/// back to 02:00 on 25 October), looked at minute by minute by the planner as a schedule's timer would, on a fake clock.
/// </summary>
public sealed class ScheduleTimesTests
{
    private static readonly DateTimeOffset _springDay = new(2026, 3, 28, 22, 0, 0, TimeSpan.Zero); // 29 March, 00:00 in Berlin.
    private static readonly DateTimeOffset _autumnDay = new(2026, 10, 24, 22, 0, 0, TimeSpan.Zero); // 25 October, 00:00 in Berlin.

    [Fact]
    public void Daily_at_two_fires_once_on_the_spring_change_day_at_the_change()
    {
        var fired = Walk("0 2 * * *", _springDay, TimeSpan.FromHours(24));

        var only = Assert.Single(fired);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 3, 0, 0, TimeSpan.FromHours(2)), only); // 02:00 does not exist: 03:00 CEST.
    }

    [Fact]
    public void Daily_at_two_fires_once_on_the_autumn_change_day_though_two_oclock_comes_twice()
    {
        var fired = Walk("0 2 * * *", _autumnDay, TimeSpan.FromHours(25)); // That day has 25 hours.

        var only = Assert.Single(fired);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 2, 0, 0, TimeSpan.FromHours(2)), only); // The first 02:00, summer time.
    }

    [Fact]
    public void Every_thirty_minutes_keeps_firing_through_the_repeated_hour()
    {
        var fired = Walk("*/30 * * * *", _autumnDay, TimeSpan.FromHours(25));

        Assert.Equal(50, fired.Count); // 25 hours of half hours: the repeated hour fires twice, in summer and in winter time.
        var repeated = fired.Where(t => t >= new DateTimeOffset(2026, 10, 25, 0, 0, 0, TimeSpan.Zero) && t < new DateTimeOffset(2026, 10, 25, 2, 0, 0, TimeSpan.Zero)).ToList();
        Assert.Equal(
            [
                new DateTimeOffset(2026, 10, 25, 2, 0, 0, TimeSpan.FromHours(2)),
                new DateTimeOffset(2026, 10, 25, 2, 30, 0, TimeSpan.FromHours(2)),
                new DateTimeOffset(2026, 10, 25, 2, 0, 0, TimeSpan.FromHours(1)),
                new DateTimeOffset(2026, 10, 25, 2, 30, 0, TimeSpan.FromHours(1)),
            ],
            repeated);
        Assert.Equal(fired.Count, fired.Distinct().Count());
    }

    [Fact]
    public void Every_thirty_minutes_skips_the_missing_hour_in_spring()
    {
        var fired = Walk("*/30 * * * *", _springDay, TimeSpan.FromHours(23)); // That day has 23 hours.

        Assert.Equal(46, fired.Count);
        Assert.DoesNotContain(fired, t => t > new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.FromHours(1)) && t < new DateTimeOffset(2026, 3, 29, 3, 0, 0, TimeSpan.FromHours(2)));
    }

    [Theory]
    [InlineData("0 2 * * *", true)]
    [InlineData("0 2 * * *", false)]
    [InlineData("*/30 * * * *", true)]
    [InlineData("*/30 * * * *", false)]
    public void Next_shows_the_times_the_schedule_fires(string cron, bool autumn)
    {
        var from = autumn ? _autumnDay : _springDay;
        var times = Times(cron, from);
        var fired = Walk(cron, from, TimeSpan.FromHours(25));

        Assert.Equal(fired, times.Next(from, fired.Count));
    }

    [Fact]
    public void Six_fields_count_seconds()
    {
        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal([from.AddSeconds(10), from.AddSeconds(20)], Times("*/10 * * * * *", from).Next(from, 2));
    }

    [Fact]
    public void An_interval_counts_from_its_anchor_and_stops_at_its_end()
    {
        var anchor = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var definition = Definition(null, TimeSpan.FromMinutes(15)) with { StartAt = anchor, EndAt = anchor.AddMinutes(40) };
        var times = ScheduleTimes.Of(definition, anchor);

        Assert.Equal([anchor, anchor.AddMinutes(15), anchor.AddMinutes(30)], times.Next(anchor.AddMinutes(-1), 10));
    }

    [Theory]
    [InlineData("0 0 30 2 *", null, "UTC", "cron")] // Never fires: 30 February.
    [InlineData("61 * * * *", null, "UTC", "cron")]
    [InlineData("* * *", null, "UTC", "cron")]
    [InlineData("0 2 * * *", null, "Mars/Olympus", "timezone")]
    [InlineData(null, null, "UTC", "cron")] // Neither cron nor every.
    [InlineData("0 2 * * *", 60.0, "UTC", "cron")] // Both.
    [InlineData(null, -1.0, "UTC", "every")]
    public void Bad_whens_name_their_field(string? cron, double? everySeconds, string zone, string field)
    {
        var errors = new Dictionary<string, string>();

        var times = ScheduleTimes.Check(cron, everySeconds is { } s ? TimeSpan.FromSeconds(s) : null, zone, null, null, DateTimeOffset.UtcNow, errors);

        Assert.Null(times);
        Assert.True(errors.ContainsKey(field), $"expected an error for {field}: {string.Join("; ", errors)}");
    }

    /// <summary>The due times a schedule made between <paramref name="from"/> and <paramref name="span"/> later, its timer looking each minute.</summary>
    private static List<DateTimeOffset> Walk(string cron, DateTimeOffset from, TimeSpan span)
    {
        var clock = new FakeTimeProvider(from);
        var times = Times(cron, from);
        var lastDue = from;
        var fired = new List<DateTimeOffset>();
        while (clock.GetUtcNow() < from + span)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            var plan = SchedulePlanner.Decide(times, lastDue, clock.GetUtcNow(), MissedPolicy.RunAll, 10, TimeSpan.FromMinutes(2), _ => TimeSpan.Zero);
            Assert.Equal(0, plan.Missed);
            fired.AddRange(plan.Fire);
            lastDue = plan.Through ?? lastDue;
        }

        return fired;
    }

    private static ScheduleTimes Times(string cron, DateTimeOffset anchor) => ScheduleTimes.Of(Definition(cron, null), anchor);

    internal static ScheduleDefinition Definition(string? cron, TimeSpan? every, string zone = "Europe/Berlin") =>
        new("sum2", "{}", TaskPriority.Normal, cron, every, zone, null, null, TimeSpan.Zero, OverlapPolicy.Skip, MissedPolicy.RunOnce, 10);
}
