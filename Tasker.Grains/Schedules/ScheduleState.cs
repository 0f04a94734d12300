namespace Tasker.Schedules;

/// <summary>The persisted state of one schedule.</summary>
[GenerateSerializer, Alias("tasker.ScheduleState")]
public sealed class ScheduleState
{
    /// <summary>Lines kept in the run list; older ones go.</summary>
    public const int MaxRuns = 100;

    /// <summary>Null while there is no schedule (never made, or deleted).</summary>
    [Id(0)] public ScheduleDefinition? Definition { get; set; }
    [Id(1)] public bool Paused { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Where an interval counts from: start_at, or when the definition was put.</summary>
    [Id(4)] public DateTimeOffset Anchor { get; set; }

    /// <summary>The latest due time dealt with: no due time at or before it makes a task again.</summary>
    [Id(5)] public DateTimeOffset LastDue { get; set; }

    /// <summary>The latest task made; the overlap policy asks whether it has ended.</summary>
    [Id(6)] public string? LastTaskId { get; set; }

    /// <summary>A due time waiting for <see cref="LastTaskId"/> to end (overlap buffer_one).</summary>
    [Id(7)] public DateTimeOffset? BufferedDue { get; set; }

    /// <summary>Newest first, at most <see cref="MaxRuns"/>.</summary>
    [Id(8)] public List<ScheduleRun> Runs { get; set; } = [];

    /// <summary>The signed-in user who put the schedule, whose rights its tasks are made with; null when anonymous.</summary>
    [Id(9)] public string? PutBy { get; set; }

    [Id(10)] public long Version { get; set; }
}

/// <summary>The persisted ids of one client's schedules.</summary>
[GenerateSerializer, Alias("tasker.ScheduleIndexState")]
public sealed class ScheduleIndexState
{
    /// <summary>Sorted (ordinal); at most the client's tier's MaxSchedules (checked when one is added).</summary>
    [Id(0)] public List<string> Ids { get; set; } = [];
}
