namespace Tasker.Schedules;

/// <summary>
/// One recurring schedule: makes a task from its template at each due time, once per due time. Keyed by
/// <see cref="ScheduleKeys.Of"/> (client and id). A signed-in caller who may not access the client finds no schedule.
/// </summary>
[Alias("tasker.IScheduleGrain")]
public interface IScheduleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the schedule or replaces its definition (its run list and pause stay). A new one takes a place in its
    /// client's index, at most <paramref name="maxSchedules"/>. Due times count from now: none before it fires.
    /// </summary>
    [Alias("Put")]
    Task<SchedulePutResult> PutAsync(ScheduleDefinition definition, int maxSchedules);

    /// <summary>The schedule, or null when there is none (or the caller may not see it).</summary>
    [Alias("Get")]
    Task<ScheduleSnapshot?> GetAsync();

    /// <summary>The latest lines of the run list, newest first; null when there is no schedule.</summary>
    [Alias("Runs")]
    Task<IReadOnlyList<ScheduleRun>?> RunsAsync(int limit);

    /// <summary>The next <paramref name="count"/> due times (daylight saving applied), or null when there is no schedule.</summary>
    [Alias("Next")]
    Task<IReadOnlyList<DateTimeOffset>?> NextAsync(int count);

    /// <summary>Stops making tasks until resumed; due times meanwhile are missed (the missed policy applies on resume).</summary>
    [Alias("Pause")]
    Task<ScheduleSnapshot?> PauseAsync();

    /// <summary>Makes tasks again.</summary>
    [Alias("Resume")]
    Task<ScheduleSnapshot?> ResumeAsync();

    /// <summary>Makes one task now, outside the due times (the overlap policy does not apply); its run line, or null.</summary>
    [Alias("Trigger")]
    Task<ScheduleRun?> TriggerAsync();

    /// <summary>Forgets the schedule (the tasks it made stay); false when there was none.</summary>
    [Alias("Delete")]
    Task<bool> DeleteAsync();

    /// <summary>
    /// Called at start-up where reminders are kept in memory (the durable embedded mode): an active schedule takes its
    /// heartbeat again and deals with what fell due while the silo was down.
    /// </summary>
    [Alias("Wake")]
    Task WakeAsync();
}

/// <summary>The ids of one client's schedules, at most its tier's number. Keyed by the client name.</summary>
[Alias("tasker.IScheduleIndexGrain")]
public interface IScheduleIndexGrain : IGrainWithStringKey
{
    /// <summary>Adds an id unless the index holds <paramref name="max"/> already; true when it is (now) listed.</summary>
    [Alias("Add")]
    Task<bool> AddAsync(string id, int max);

    [Alias("Remove")]
    Task RemoveAsync(string id);

    /// <summary>Every id, sorted.</summary>
    [Alias("List")]
    Task<IReadOnlyList<string>> ListAsync();
}
