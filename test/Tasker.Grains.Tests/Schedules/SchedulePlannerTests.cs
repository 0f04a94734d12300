using Tasker.Schedules;

namespace Tasker.Grains.Tests.Schedules;

/// <summary>The missed policies: what a look long after the last due time makes.</summary>
public sealed class SchedulePlannerTests
{
    private static readonly DateTimeOffset _start = new(2026, 5, 4, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan _grace = TimeSpan.FromMinutes(2);

    // Every 10 minutes from 08:00; last dealt with 08:00; looked at 09:05: 08:10 ... 09:00 (6 due times) passed unseen.
    private static readonly ScheduleTimes _times = ScheduleTimes.Of(ScheduleTimesTests.Definition(null, TimeSpan.FromMinutes(10)), _start);

    [Fact]
    public void Run_once_makes_one_task_for_the_latest_missed_due_time()
    {
        var plan = Decide(MissedPolicy.RunOnce, _start.AddMinutes(65));

        Assert.Equal([_start.AddMinutes(60)], plan.Fire);
        Assert.Equal(5, plan.Missed);
        Assert.Equal(_start.AddMinutes(60), plan.Through);
    }

    [Fact]
    public void Skip_makes_none_for_missed_due_times()
    {
        var plan = Decide(MissedPolicy.Skip, _start.AddMinutes(65));

        Assert.Empty(plan.Fire);
        Assert.Equal(6, plan.Missed);
        Assert.Equal(_start.AddMinutes(60), plan.Through);
    }

    [Fact]
    public void Skip_still_makes_the_due_time_that_is_on_time()
    {
        var plan = Decide(MissedPolicy.Skip, _start.AddMinutes(61));

        Assert.Equal([_start.AddMinutes(60)], plan.Fire);
        Assert.Equal(5, plan.Missed);
    }

    [Fact]
    public void Run_all_makes_one_per_missed_due_time_oldest_first()
    {
        var plan = Decide(MissedPolicy.RunAll, _start.AddMinutes(65));

        Assert.Equal(Enumerable.Range(1, 6).Select(i => _start.AddMinutes(10 * i)), plan.Fire);
        Assert.Equal(0, plan.Missed);
    }

    [Fact]
    public void Run_all_makes_at_most_max_catchup_the_latest_ones()
    {
        var plan = Decide(MissedPolicy.RunAll, _start.AddMinutes(65), maxCatchup: 4);

        Assert.Equal(Enumerable.Range(3, 4).Select(i => _start.AddMinutes(10 * i)), plan.Fire);
        Assert.Equal(2, plan.Missed);
    }

    [Fact]
    public void A_due_time_on_time_is_not_missed()
    {
        var plan = Decide(MissedPolicy.Skip, _start.AddMinutes(10).AddSeconds(1), lastDue: _start);

        Assert.Equal([_start.AddMinutes(10)], plan.Fire);
        Assert.Equal(0, plan.Missed);
    }

    [Fact]
    public void Nothing_is_due_before_the_next_due_time()
    {
        Assert.Same(SchedulePlan.Nothing, Decide(MissedPolicy.RunAll, _start.AddMinutes(9)));
    }

    [Fact]
    public void A_due_time_waits_for_its_jitter()
    {
        var jitter = TimeSpan.FromSeconds(30);

        var early = SchedulePlanner.Decide(_times, _start, _start.AddMinutes(10).AddSeconds(10), MissedPolicy.RunOnce, 10, _grace, _ => jitter);
        var late = SchedulePlanner.Decide(_times, _start, _start.AddMinutes(10).AddSeconds(31), MissedPolicy.RunOnce, 10, _grace, _ => jitter);

        Assert.Empty(early.Fire);
        Assert.Equal([_start.AddMinutes(10)], late.Fire);
    }

    [Fact]
    public void Jitter_is_the_same_for_the_same_due_time_and_within_its_bound()
    {
        var jitter = TimeSpan.FromMinutes(5);
        var first = SchedulePlanner.JitterOf("alice/nightly", _start, jitter);

        Assert.Equal(first, SchedulePlanner.JitterOf("alice/nightly", _start, jitter));
        Assert.InRange(first, TimeSpan.Zero, jitter);
        Assert.Equal(TimeSpan.Zero, SchedulePlanner.JitterOf("alice/nightly", _start, TimeSpan.Zero));
    }

    private static SchedulePlan Decide(MissedPolicy policy, DateTimeOffset now, int maxCatchup = 10, DateTimeOffset? lastDue = null) =>
        SchedulePlanner.Decide(_times, lastDue ?? _start, now, policy, maxCatchup, _grace, _ => TimeSpan.Zero);
}
