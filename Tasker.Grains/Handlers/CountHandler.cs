using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Tasker.Tasks;

namespace Tasker.Handlers;

/// <summary>
/// <c>count</c> {to, delay_ms}: counts from 1 to <c>to</c>, each step taking <c>delay_ms</c>. A demo long type,
/// and the test bed for pause, resume, cancel, progress and failover. The result is the number reached.
/// </summary>
public sealed class CountHandler(IOptions<CountOptions> options) : IChunkedTaskHandler
{
    // With no delay, a chunk counts this many steps (some microseconds), then waits on a timer before the next ones,
    // so that it never holds a thread for its whole budget: other grains and HTTP requests run in between.
    private const int StepsPerSlice = 10_000;

    private static readonly TimeSpan _betweenSlices = TimeSpan.FromMilliseconds(1);

    public string Type => "count";

    public string Description => "counts 1..`to`, `delay_ms` per step, in checkpointed chunks (long-task demo)";

    public bool Cacheable => false;

    // Built on first use, not at construction: the options are validated at start, and a bad one must be reported there.
    private IReadOnlyList<ParameterFact>? _parameters;

    public IReadOnlyList<ParameterFact> Parameters => _parameters ??=
    [
        new("to", ParameterKind.Int, Example: "200", Min: 1, Max: options.Value.MaxCountTo),
        new("delay_ms", ParameterKind.Int, Optional: true, Example: "20", Min: 0, Max: options.Value.MaxCountDelayMs, Hint: "per step"),
    ];

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        reader.Integer("to", 1, options.Value.MaxCountTo);
        reader.Integer("delay_ms", 0, options.Value.MaxCountDelayMs, fallback: 0);
        return reader.Complete();
    }

    public TaskProgress Plan(string parametersJson) =>
        new(0, CanonicalParameters.Integer(CanonicalParameters.Parse(parametersJson), "to"));

    public async Task<ChunkOutcome> RunChunkAsync(ChunkContext context, CancellationToken cancellationToken)
    {
        var parameters = CanonicalParameters.Parse(context.ParametersJson);
        var to = CanonicalParameters.Integer(parameters, "to");
        var delayMs = CanonicalParameters.Integer(parameters, "delay_ms");
        var position = context.Checkpoint.Position;

        if (delayMs > 0)
        {
            var steps = Math.Clamp((long)context.Budget.TotalMilliseconds / delayMs, 1, to - position);
            await Task.Delay(TimeSpan.FromMilliseconds(steps * delayMs), cancellationToken);
            position += steps;
        }
        else
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var stop = Math.Min(to, position + StepsPerSlice);
                while (position < stop)
                {
                    position++;
                }

                if (position >= to || clock.Elapsed >= context.Budget)
                {
                    break;
                }

                await Task.Delay(_betweenSlices, cancellationToken);
            }
        }

        var checkpoint = new TaskCheckpoint(position);
        var progress = new TaskProgress(position, to);
        return position >= to
            ? new ChunkOutcome(checkpoint, progress, ResultJson: to.ToString(CultureInfo.InvariantCulture))
            : new ChunkOutcome(checkpoint, progress);
    }
}
