using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Tasker.Numbers;
using Tasker.Tasks;

namespace Tasker.Handlers;

/// <summary>
/// <c>sequence</c> {n}: 1 + 2 + … + n, not by the formula but by child <c>sum2</c> tasks, one per term,
/// each adding the next term to the running total. Progress = children done. Child ids are derived from
/// the parent's, so a chunk replayed after a failover meets the children it already made instead of new ones.
/// </summary>
public sealed class SequenceHandler(IOptions<TaskerOptions> options) : IChunkedTaskHandler
{
    public string Type => "sequence";

    public string Description => "1 + 2 + … + n, computed by n child sum2 tasks; progress = children done";

    public bool Cacheable => true;

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        reader.Integer("n", 1, options.Value.MaxSequenceN);
        return reader.Complete();
    }

    /// <summary>The id of the child that adds term <paramref name="term"/>.</summary>
    public static string ChildId(string parentId, long term) => $"{parentId}.{term.ToString(CultureInfo.InvariantCulture)}";

    public TaskProgress Plan(string parametersJson) =>
        new(0, CanonicalParameters.Integer(CanonicalParameters.Parse(parametersJson), "n"));

    public async Task<ChunkOutcome> RunChunkAsync(ChunkContext context, CancellationToken cancellationToken)
    {
        var n = CanonicalParameters.Integer(CanonicalParameters.Parse(context.ParametersJson), "n");
        var term = context.Checkpoint.Position;
        var total = context.Checkpoint.Data is { } data && ExactDecimal.TryParse(data, out var saved) ? saved : 0m;
        var clock = Stopwatch.StartNew();

        while (term < n && clock.Elapsed < context.Budget)
        {
            cancellationToken.ThrowIfCancellationRequested();
            term++;
            var parameters = $"{{\"first\":{ExactDecimal.ToCanonical(total)},\"second\":{term.ToString(CultureInfo.InvariantCulture)}}}";
            var child = context.Grains.GetGrain<ITaskGrain>(ChildId(context.TaskId, term));
            var outcome = await child.SubmitAsync(new TaskSubmission("sum2", parameters, context.Client, context.Priority, context.TaskId));
            if (outcome.Phase != TaskPhase.Succeeded || outcome.ResultJson is null || !ExactDecimal.TryParse(outcome.ResultJson, out total))
            {
                return new ChunkOutcome(
                    new TaskCheckpoint(term - 1, ExactDecimal.ToCanonical(total)),
                    new TaskProgress(term - 1, n),
                    Error: $"child task {child.GetPrimaryKeyString()} ended {outcome.Phase.ToWire()}: {outcome.Error}");
            }
        }

        var checkpoint = new TaskCheckpoint(term, ExactDecimal.ToCanonical(total));
        var progress = new TaskProgress(term, n);
        return term >= n ? new ChunkOutcome(checkpoint, progress, ResultJson: ExactDecimal.ToCanonical(total)) : new ChunkOutcome(checkpoint, progress);
    }
}
