using System.Globalization;
using Tasker.Handlers;
using Tasker.Secrets;
using Tasker.Silo.Auth;
using Tasker.Silo.FrontEnd.Shell;
using Tasker.Tasks;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// The one seam every way of submitting a task goes through (docs/adr/028): the canonical <c>POST /tasks</c>, its batch
/// and uploads, and each old system's routes. Readers turn a body into <see cref="TaskSubmission"/>s; everything that
/// decides whether the caller may have them is here, in this order: the agent-task switch and the shell policy, the
/// client and the tier's priority cap, the process status, one rate permit per task, and idempotency. Then a short type
/// runs at the front door, and any other is handed to its grain, which refuses again what this should have refused.
/// </summary>
public sealed class TaskSubmitter(
    ProcessGate gate,
    IGrainFactory grains,
    InstantTasks instantTasks,
    SecretParameters secrets,
    TaskHandlerRegistry handlers,
    IShellSubmissionPolicy shellPolicy,
    TierRateLimiter tiers,
    Microsoft.Extensions.Options.IOptions<Tasker.Retention.RetentionOptions> retention,
    TimeProvider clock)
{
    private const int MaxIdempotencyKeyLength = 200;

    // Items of one request submitted at once: enough to keep the cores and storage busy, few enough that one batch
    // does not queue thousands of grain calls ahead of everyone else's requests.
    private const int Parallelism = 64;

    /// <summary>One task of a request that submits several: a checked submission, or the reader's problem with it.</summary>
    public sealed record Item(TaskSubmission? Submission, string? IdempotencyKey = null, Problem<Status.Submission>? Problem = null);

    /// <summary>
    /// Submits one task for the caller of <paramref name="context"/> (the request's own rate permit pays for it). The task as
    /// accepted (ended already for a short type), or the problem to answer instead. A staged upload is put in place only
    /// once everything allows the task, and is removed on any refusal.
    /// </summary>
    public async Task<Outcome<TaskSnapshot, Status.Submission>> SubmitAsync(
        HttpContext context, TaskSubmission submission, string? idempotencyKey = null, StagedUpload? upload = null)
    {
        using (upload)
        {
            if (await RefuseAsync(context, submission, idempotencyKey) is { } refusal)
            {
                return refusal;
            }

            try
            {
                return await StoreAsync(TaskIds.New(), submission, idempotencyKey, upload);
            }
            catch (DependencyRefusedException refused)
            {
                return Problems.ParentRefused(refused);
            }
        }
    }

    /// <summary>
    /// The checks of <see cref="SubmitAsync"/> that decide whether the caller may have this task (the shell policy, the
    /// client and the tier's priority cap, the process status), without submitting it: a schedule's template is checked
    /// so when it is put. The problem that refuses it, or null.
    /// </summary>
    public Task<Problem<Status.Submission>?> CheckAsync(HttpContext context, TaskSubmission submission) => RefuseAsync(context, submission, idempotencyKey: null);

    /// <summary>
    /// Submits the tasks of one request (a batch, 003's form): each costs one rate permit (the request's own is the first),
    /// each meets every check of <see cref="SubmitAsync"/>. With <paramref name="allOrNothing"/>, the first refusal
    /// answers for the whole request and nothing is submitted; otherwise each item has its own outcome, in order.
    /// </summary>
    /// <returns>Each item's task or problem, or the problem that refuses the whole request.</returns>
    public async Task<Outcome<Outcome<TaskSnapshot, Status.Submission>[], Status.Submission>> SubmitManyAsync(
        HttpContext context, IReadOnlyList<Item> items, bool allOrNothing, CancellationToken cancellationToken)
    {
        if (Charge(context, items.Count) is { } overLimit)
        {
            return overLimit;
        }

        // An item not refused yet has neither a task nor a problem until it is stored.
        var results = new Outcome<TaskSnapshot, Status.Submission>[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var problem = items[i] is { Submission: { } submission } item ? await RefuseAsync(context, submission, item.IdempotencyKey) : items[i].Problem;
            if (problem is not null && allOrNothing)
            {
                return problem;
            }

            results[i] = problem is null ? default(Outcome<TaskSnapshot, Status.Submission>) : problem;
        }

        // Made in the items' order, before they are stored at once: the request's tasks list in its order, newest last.
        var ids = items.Select(_ => TaskIds.New()).ToArray();
        // An item that names earlier items of the request (#n) is stored after them, level by level: a chain of ten is ten rounds.
        var levels = Levels(items);
        foreach (var level in levels.Where(l => l >= 0).Distinct().Order())
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, items.Count).Where(i => levels[i] == level && results[i].Problem is null),
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (i, _) => results[i] = ResolveReferences(items[i], results) is { } resolved
                    ? await StoreOneOfManyAsync(ids[i], resolved)
                    : NotCreated(items[i], results));
        }
        if (allOrNothing && results.FirstOrDefault(r => r.Problem is not null).Problem is { } failed)
        {
            // Only an outage fails an item here (every refusal was answered above): the request may be retried.
            context.Response.Headers.RetryAfter = "5";
            return failed;
        }

        return results;
    }

    /// <summary>Each item's round: 0 for one that names no earlier item, else one more than the latest round it names.</summary>
    private static int[] Levels(IReadOnlyList<Item> items)
    {
        var levels = new int[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            levels[i] = (items[i].Submission?.After ?? [])
                .Select(id => TaskFlow.IsBatchReference(id, out var earlier) ? levels[earlier] + 1 : 0)
                .DefaultIfEmpty(0)
                .Max();
        }

        return levels;
    }

    /// <summary>The item with its references to earlier items (#n) replaced by their tasks' ids; null when one of them was refused.</summary>
    private static Item? ResolveReferences(Item item, Outcome<TaskSnapshot, Status.Submission>[] results)
    {
        if (item.Submission is not { After: { } after } submission || !after.Any(id => TaskFlow.IsBatchReference(id, out _)))
        {
            return item;
        }

        var resolved = new List<string>(after.Count);
        foreach (var id in after)
        {
            if (!TaskFlow.IsBatchReference(id, out var earlier))
            {
                resolved.Add(id);
            }
            else if (results[earlier].Value is { } task)
            {
                resolved.Add(task.Id);
            }
            else
            {
                return null;
            }
        }

        return item with { Submission = submission with { After = resolved.Distinct().ToList() } };
    }

    private static Problem<Status.Submission> NotCreated(Item item, Outcome<TaskSnapshot, Status.Submission>[] results)
    {
        var refused = item.Submission!.After!.First(id => TaskFlow.IsBatchReference(id, out var earlier) && results[earlier].Value is null);
        return Problems.Problem<Status.Submission>(StatusCodes.Status422UnprocessableEntity, "Parent not created", "parent-not-created",
            $"after names item {refused} of this batch, which was refused: this item would wait for a task that does not exist.");
    }

    /// <summary>One item of several: what cannot be stored now is this item's problem, and the others stand.</summary>
    private async Task<Outcome<TaskSnapshot, Status.Submission>> StoreOneOfManyAsync(string id, Item item)
    {
        try
        {
            return await StoreAsync(id, item.Submission!, item.IdempotencyKey, upload: null);
        }
        catch (Tasker.Shell.ShellQueueFullException full)
        {
            return Problems.Problem<Status.Submission>(StatusCodes.Status429TooManyRequests, "Shell queue full", "shell-queue-full", full.Message);
        }
        catch (DependencyRefusedException refused)
        {
            return Problems.ParentRefused(refused);
        }
        catch (Exception exception) when (Tasker.Storage.Outages.IsOutage(exception))
        {
            // Retrying this item (with its key) is safe: nothing acknowledged is lost.
            return Problems.Unavailable("unavailable", "Tasker cannot reach its storage or cluster right now; nothing was lost, retry this item shortly.")
                .As<Status.Submission>();
        }
    }

    /// <summary>Whether the caller may have this task at all: the problem that refuses it, or null.</summary>
    private async Task<Problem<Status.Submission>?> RefuseAsync(HttpContext context, TaskSubmission submission, string? idempotencyKey)
    {
        if (!handlers.TryGet(submission.Type, out var handler))
        {
            throw new ArgumentException($"A reader let through the unknown type '{submission.Type}'.", nameof(submission));
        }

        if (handler is IAgentTaskHandler && shellPolicy.Refuse(context) is { } notAllowed)
        {
            return notAllowed.As<Status.Submission>();
        }

        if (Submitters.Refuse(context, submission) is { } errors)
        {
            return Problems.Invalid(errors, "The task request is invalid").As<Status.Submission>();
        }

        if (await gate.FindRefusalAsync(submission.Type) is { } suspended)
        {
            return Problems.Conflict("process-suspended", "Process suspended",
                $"The process '{suspended.Type}' is suspended{Since(suspended)}{(suspended.Reason is { } reason ? $": {reason}" : "")}. New {suspended.Type} tasks are refused until it is active again.")
                .As<Status.Submission>();
        }

        if (await RefuseParentsAsync(submission) is { } parentProblem)
        {
            return parentProblem;
        }

        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > MaxIdempotencyKeyLength || idempotencyKey.Any(char.IsControl)))
        {
            return Problems.BadRequest("invalid-idempotency-key", "Invalid Idempotency-Key",
                $"The Idempotency-Key header must be 1 to {MaxIdempotencyKeyLength} printable characters.").As<Status.Submission>();
        }

        return null;
    }

    /// <summary>
    /// The problem with the tasks a submission runs after (those named by id; an earlier item of the same batch is the
    /// request's own): 404 for one that does not exist or is another client's, as everywhere; 422 for one that has expired.
    /// </summary>
    private async Task<Problem<Status.Submission>?> RefuseParentsAsync(TaskSubmission submission)
    {
        if (submission.After is not { } after)
        {
            return null;
        }

        var named = after.Where(id => !TaskFlow.IsBatchReference(id, out _)).ToArray();
        var found = new TaskSnapshot?[named.Length];
        foreach (var chunk in Enumerable.Range(0, named.Length).Chunk(Parallelism))
        {
            await Task.WhenAll(chunk.Select(async i => found[i] = await grains.GetGrain<ITaskGrain>(named[i]).GetAsync()));
        }

        for (var i = 0; i < named.Length; i++)
        {
            if (found[i] is { } parent && parent.Client == submission.Client)
            {
                continue;
            }

            if (found[i] is null && TaskIds.CreatedAt(named[i]) < clock.GetUtcNow() - ShortestRetention())
            {
                return Problems.FieldProblem(StatusCodes.Status422UnprocessableEntity, "Parent expired", "parent-expired",
                    $"after names task {named[i]}, which was made at {TaskIds.CreatedAt(named[i]):u}, longer ago than tasks are kept: it has expired, so this task could never learn how it ended.",
                    "after", $"task {named[i]} has expired");
            }

            return Problems.FieldProblem(StatusCodes.Status404NotFound, "Parent not found", "parent-not-found",
                $"after names task {named[i]}, and there is no such task of client '{submission.Client}'.", "after", $"no task {named[i]}");
        }

        return null;
    }

    private TimeSpan ShortestRetention() =>
        new[] { retention.Value.Succeeded, retention.Value.Failed, retention.Value.Cancelled }.Min();

    /// <summary>Takes one rate permit for each task beyond the first (the request took that one); the 429 when the tier has not enough.</summary>
    private Problem<Status.Submission>? Charge(HttpContext context, int tasks)
    {
        if (tasks <= 1)
        {
            return null;
        }

        if (tiers.MaxBatch(context) is { } most && tasks > most)
        {
            return Problems.Problem<Status.Submission>(StatusCodes.Status429TooManyRequests, "Too many tasks for the tier", "batch-too-large",
                $"Each task counts as one request, and user '{context.User.Identity?.Name}' may send {most} per second: send at most {most} tasks in one request.");
        }

        using var lease = tiers.TakeMore(context, tasks - 1);
        if (lease.IsAcquired)
        {
            return null;
        }

        context.Response.Headers.RetryAfter = "1";
        return Problems.Problem<Status.Submission>(StatusCodes.Status429TooManyRequests, "Too many requests", "rate-limited",
            $"User '{context.User.Identity?.Name}' sent more requests per second than its tier allows (a request of {tasks} tasks counts as {tasks}); retry after 1 s.");
    }

    /// <summary>Stores a task the caller may have, as <paramref name="id"/>: a short type run here, otherwise its grain; honours the Idempotency-Key.</summary>
    private async Task<Outcome<TaskSnapshot, Status.Submission>> StoreAsync(string id, TaskSubmission submission, string? idempotencyKey, StagedUpload? upload)
    {
        // Secret parameters (a chat api_key) are stored encrypted: from here on the task holds only the sealed value.
        var plain = submission;
        var secretNames = handlers.Get(submission.Type).SecretParameters.ToList();
        submission = submission with { ParametersJson = secrets.Seal(submission.ParametersJson, secretNames) };

        // A task that waits for its time or its parents, may be tried again, may time out or announces its end is its
        // grain's to keep.
        if (idempotencyKey is null && submission is { RunAt: null, Retry: null, Timeout: null, After: null, Callback: null }
            && await instantTasks.TrySubmitAsync(id, submission) is { } done)
        {
            return done; // A short type, run here and written once; its grain is not even activated.
        }

        if (idempotencyKey is null && upload is null && await instantTasks.TryScheduleAsync(id, submission) is { } scheduled)
        {
            return scheduled; // Asked for later: stored as a row and a due entry; its grain wakes at its time.
        }

        var fresh = id;
        if (idempotencyKey is not null)
        {
            id = await grains.GetGrain<IIdempotencyGrain>($"{submission.Client}\n{idempotencyKey}").ClaimAsync(id);
        }

        // A retry meets the first task: SubmitAsync is idempotent and completes whatever the first attempt left undone
        // (its history line). Its file, if any, is in place already: a retry's upload is put in place only when the
        // first attempt stored no task.
        var grain = grains.GetGrain<ITaskGrain>(id);
        if (upload is not null && (id == fresh || await grain.GetAsync() is null))
        {
            upload.Commit();
        }

        var task = await grain.SubmitAsync(submission);
        if (idempotencyKey is not null && !Same(task, plain, secretNames))
        {
            // The key's first request had another body (or a concurrent one claimed the id with it).
            return Reused(idempotencyKey, task).As<Status.Submission>();
        }

        return task;
    }

    private bool Same(TaskSnapshot task, TaskSubmission plain, IReadOnlyList<string> secretNames) =>
        task.Type == plain.Type && secrets.Reveal(task.ParametersJson, secretNames) == plain.ParametersJson;

    private static Problem<Status.Conflict> Reused(string idempotencyKey, TaskSnapshot first) =>
        Problems.Conflict("idempotency-key-reused", "Idempotency-Key reused",
            $"The Idempotency-Key '{idempotencyKey}' was first used for task {first.Id}, a different request.");

    private static string Since(ProcessEntry entry) =>
        entry.Since is { } since ? $" since {since.ToString("u", CultureInfo.InvariantCulture)}" : "";
}
