using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tasker.Numbers;
using Tasker.Tasks;

namespace Tasker.Handlers;

/// <summary>
/// <c>sequence</c> {n}: 1 + 2 + … + n, not by the formula but by n child <c>sum2</c> tasks, fanned out in parallel.
/// The terms go in blocks of <see cref="BlockSize"/>: a block's terms are added pairwise, level by level, each level's
/// additions at once (a reduction tree: m terms, m − 1 children), and one more child adds the block's sum to the
/// running total. So n terms take exactly n children, numbered <c>{id}.1</c> … <c>{id}.n</c> in the order they are
/// made, and progress = children done. A checkpoint is a block's end (children done, running total), so the block
/// structure, the child ids and each child's parameters follow from it alone: a chunk replayed after a failover
/// meets the children it already made instead of new ones. A child is made and stored as a short task is
/// (docs/adr/009): run here and written once as its grain's state, without activating its grain.
/// </summary>
public sealed class SequenceHandler(IOptions<SequenceOptions> options, IServiceProvider services) : IChunkedTaskHandler
{
    // Resolved when first used: InstantTasks needs the handler registry, which holds this handler.
    private readonly Lazy<InstantTasks> _instantTasks = new(services.GetRequiredService<InstantTasks>);

    /// <summary>Terms per block; its first level makes half as many calls at once, which bounds the fan-out.</summary>
    public const int BlockSize = 512;

    public string Type => "sequence";

    public string Description => "1 + 2 + … + n, computed by n child sum2 tasks fanned out in parallel; progress = children done";

    public bool Cacheable => true;

    // Built on first use, not at construction: the options are validated at start, and a bad one must be reported there.
    private IReadOnlyList<ParameterFact>? _parameters;

    public IReadOnlyList<ParameterFact> Parameters => _parameters ??=
        [new("n", ParameterKind.Int, Example: "10", Min: 1, Max: options.Value.MaxSequenceN, Hint: "1 + 2 + … + n by child sum2 tasks")];

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        reader.Integer("n", 1, options.Value.MaxSequenceN);
        return reader.Complete();
    }

    /// <summary>The id of the <paramref name="ordinal"/>-th child (from 1).</summary>
    public static string ChildId(string parentId, long ordinal) => $"{parentId}.{ordinal.ToString(CultureInfo.InvariantCulture)}";

    public TaskProgress Plan(string parametersJson) =>
        new(0, CanonicalParameters.Integer(CanonicalParameters.Parse(parametersJson), "n"));

    /// <summary>The children go with their sequence (docs/adr/020): ordinals 1 to n, those made.</summary>
    public Task ExpireAsync(ExpiringTask task) => _instantTasks.Value.ForgetChildrenAsync(
        Enumerable.Range(1, (int)CanonicalParameters.Integer(CanonicalParameters.Parse(task.ParametersJson), "n")).Select(k => ChildId(task.TaskId, k)));

    public async Task<ChunkOutcome> RunChunkAsync(ChunkContext context, CancellationToken cancellationToken)
    {
        var n = CanonicalParameters.Integer(CanonicalParameters.Parse(context.ParametersJson), "n");
        var done = context.Checkpoint.Position;
        var total = context.Checkpoint.Data is { } data && ExactDecimal.TryParse(data, out var saved) ? saved : 0m;
        var clock = Stopwatch.StartNew();

        while (done < n && clock.Elapsed < context.Budget)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var block = new Block(context, _instantTasks.Value, done);
            var terms = Enumerable.Range(1, (int)Math.Min(BlockSize, n - done)).Select(i => (decimal)(done + i)).ToList();
            var (sum, error) = await block.ReduceAsync(terms);
            if (error is null)
            {
                (sum, error) = await block.AddAsync(total, sum);
            }

            if (error is not null)
            {
                return new ChunkOutcome(new TaskCheckpoint(done, ExactDecimal.ToCanonical(total)), new TaskProgress(done, n), Error: error);
            }

            total = sum;
            done += terms.Count;
        }

        var checkpoint = new TaskCheckpoint(done, ExactDecimal.ToCanonical(total));
        var progress = new TaskProgress(done, n);
        return done >= n ? new ChunkOutcome(checkpoint, progress, ResultJson: ExactDecimal.ToCanonical(total)) : new ChunkOutcome(checkpoint, progress);
    }

    /// <summary>One block's children, numbered on from the children done before it.</summary>
    private sealed class Block(ChunkContext context, InstantTasks instantTasks, long doneBefore)
    {
        private long _made = doneBefore;

        /// <summary>Adds the terms pairwise, level by level, each level's pairs at once; an odd one out goes up as it is.</summary>
        public async Task<(decimal Sum, string? Error)> ReduceAsync(List<decimal> level)
        {
            while (level.Count > 1)
            {
                var pairs = level.Count / 2;
                var first = _made + 1;
                _made += pairs;
                var sums = await Task.WhenAll(Enumerable.Range(0, pairs).Select(i => ChildAsync(first + i, level[2 * i], level[(2 * i) + 1])));
                if (sums.FirstOrDefault(s => s.Error is not null) is { Error: { } error })
                {
                    return (0m, error);
                }

                var next = sums.Select(s => s.Sum).ToList();
                if (level.Count % 2 == 1)
                {
                    next.Add(level[^1]);
                }

                level = next;
            }

            return (level[0], null);
        }

        /// <summary>The next child, alone: the running total plus the block's sum.</summary>
        public Task<(decimal Sum, string? Error)> AddAsync(decimal first, decimal second) => ChildAsync(++_made, first, second);

        private async Task<(decimal Sum, string? Error)> ChildAsync(long ordinal, decimal first, decimal second)
        {
            var parameters = $"{{\"first\":{ExactDecimal.ToCanonical(first)},\"second\":{ExactDecimal.ToCanonical(second)}}}";
            var childId = ChildId(context.TaskId, ordinal);
            // Made and stored where this runs, without a call to the child's grain: it activates if someone asks for it.
            var outcome = await instantTasks.SubmitChildAsync(childId, new TaskSubmission("sum2", parameters, context.Client, context.Priority, context.TaskId));
            if (outcome.ParametersJson != parameters)
            {
                // A child made by an earlier version of this handler (a chain, not a tree) under the same id.
                return (0m, $"child task {childId} was made with other parameters ({outcome.ParametersJson}); submit the sequence again");
            }

            return outcome.Phase == TaskPhase.Succeeded && outcome.ResultJson is not null && ExactDecimal.TryParse(outcome.ResultJson, out var sum)
                ? (sum, null)
                : (0m, $"child task {childId} ended {outcome.Phase.ToWire()}: {outcome.Error}");
        }
    }
}
