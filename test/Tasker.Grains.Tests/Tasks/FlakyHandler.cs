using System.Collections.Concurrent;
using System.Text.Json;
using Tasker.Handlers;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>
/// A test type that fails its first <c>failures</c> runs for each <c>key</c>, then succeeds with the number of the run
/// that did; it remembers when each run started, so that tests can read the pauses between attempts.
/// </summary>
public sealed class FlakyHandler : IInstantTaskHandler
{
    public const string TypeName = "flaky-test";

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> _runs = new(StringComparer.Ordinal);

    public string Type => TypeName;

    public string Description => "fails its first runs, then succeeds (tests only)";

    public bool Cacheable => false;

    public IReadOnlyList<ParameterFact> Parameters { get; } =
        [new("key", ParameterKind.Text, Example: "a"), new("failures", ParameterKind.Int, Example: "2")];

    /// <summary>When each run of <paramref name="key"/> started, in order.</summary>
    public static IReadOnlyList<DateTimeOffset> Runs(string key) => _runs.TryGetValue(key, out var runs) ? [.. runs] : [];

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        reader.Text("key", 100);
        reader.Integer("failures", 0, 100);
        return reader.Complete();
    }

    public string Execute(string parametersJson)
    {
        using var parameters = JsonDocument.Parse(parametersJson);
        var key = parameters.RootElement.GetProperty("key").GetString()!;
        var runs = _runs.GetOrAdd(key, _ => new ConcurrentQueue<DateTimeOffset>());
        runs.Enqueue(DateTimeOffset.UtcNow);
        return runs.Count <= parameters.RootElement.GetProperty("failures").GetInt32()
            ? throw new InvalidOperationException($"run {runs.Count} of {key} fails on purpose")
            : runs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
