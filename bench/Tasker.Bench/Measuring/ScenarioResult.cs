namespace Tasker.Bench.Measuring;

/// <summary>What one scenario (one system, one mode, one run) measured; written as one JSON file.</summary>
/// <param name="Scenario">e.g. <c>tasker-cluster-1</c>, <c>hangfire-redis</c>.</param>
/// <param name="Tasks">N: tasks in the load phase.</param>
/// <param name="Concurrency">K: concurrent submitters in the load phase.</param>
/// <param name="Failed">Tasks that were refused, failed, timed out or gave a wrong result (load and low-load phases).</param>
/// <param name="ThroughputPerSecond">N / (first submit → last success seen).</param>
/// <param name="Submit">Load phase: submit call → its answer.</param>
/// <param name="Done">Load phase: submit call → success seen.</param>
/// <param name="LowLoad">One task at a time: submit call → success seen.</param>
/// <param name="PeakRssMiB">Largest peak RSS (VmHWM) of the measured processes.</param>
/// <param name="Note">How success was seen and what the RSS covers.</param>
public sealed record ScenarioResult(
    string Scenario,
    int Tasks,
    int Concurrency,
    int Failed,
    double ThroughputPerSecond,
    LatencySummary Submit,
    LatencySummary Done,
    LatencySummary LowLoad,
    double PeakRssMiB,
    string Note);
