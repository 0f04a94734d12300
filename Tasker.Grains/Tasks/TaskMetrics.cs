using System.Diagnostics.Metrics;

namespace Tasker.Tasks;

/// <summary>
/// Tasker's own meter ("Tasker"): tasks accepted, completed by outcome, running and queued on this silo, and the
/// time from acceptance to the end, and the retention sweep's work (docs/adr/020). Exported with Orleans' meters at <c>/metrics</c>.
/// </summary>
public static class TaskMetrics
{
    public const string MeterName = "Tasker";

    /// <summary>The counter of ended tasks, tagged by type and outcome (ProcessHealthWatcher listens to it).</summary>
    public const string CompletedName = "tasker.tasks.completed";

    private static readonly Meter _meter = new(MeterName);
    private static readonly Counter<long> _accepted = _meter.CreateCounter<long>("tasker.tasks.accepted", "{task}", "Tasks accepted");
    private static readonly Counter<long> _completed = _meter.CreateCounter<long>(CompletedName, "{task}", "Tasks that ended, by outcome");
    private static readonly UpDownCounter<long> _running = _meter.CreateUpDownCounter<long>("tasker.tasks.running", "{task}", "Long tasks running on this silo");
    private static readonly UpDownCounter<long> _queued = _meter.CreateUpDownCounter<long>("tasker.tasks.queued", "{task}", "Tasks waiting on an identical computation, on this silo");
    private static readonly Histogram<double> _latency = _meter.CreateHistogram<double>(
        "tasker.tasks.latency",
        "s",
        "Time from acceptance to the end of a task",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 60, 300, 3600] });

    private static readonly Counter<long> _expired = _meter.CreateCounter<long>("tasker.retention.expired", "{task}", "Ended tasks expired by the retention sweep, by status");
    private static readonly Histogram<double> _sweep = _meter.CreateHistogram<double>(
        "tasker.retention.sweep.duration",
        "s",
        "Time one retention sweep took",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01, 0.1, 0.5, 1, 5, 30, 120] });

    public static void Accepted(string type) => _accepted.Add(1, new KeyValuePair<string, object?>("type", type));

    public static void Completed(string type, TaskPhase outcome, TimeSpan sinceAccepted)
    {
        var tags = new[] { new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("outcome", outcome.ToWire()) };
        _completed.Add(1, tags);
        _latency.Record(sinceAccepted.TotalSeconds, tags);
    }

    public static void Expired(TaskPhase status) => _expired.Add(1, new KeyValuePair<string, object?>("status", status.ToWire()));

    public static void Swept(TimeSpan elapsed) => _sweep.Record(elapsed.TotalSeconds);

    public static void Running(string type, int delta) => _running.Add(delta, new KeyValuePair<string, object?>("type", type));

    public static void Queued(string type, int delta) => _queued.Add(delta, new KeyValuePair<string, object?>("type", type));
}
