using System.Globalization;
using Tasker.Secrets;
using Tasker.Tasks;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// Submits a validated request: refuses a suspended type, runs a short type at the front door, honours an
/// Idempotency-Key, and otherwise hands the task to its grain. Every route that creates a task goes through here,
/// the canonical <c>POST /tasks</c> and the old systems' routes alike.
/// </summary>
public sealed class TaskSubmitter(
    ProcessGate gate, IGrainFactory grains, InstantTasks instantTasks, SecretParameters secrets, Tasker.Handlers.TaskHandlerRegistry handlers)
{
    private const int MaxIdempotencyKeyLength = 200;

    /// <summary>The task as accepted (ended already for a short type), or the problem to answer instead.</summary>
    public async Task<(TaskSnapshot? Task, IResult? Problem)> SubmitAsync(TaskSubmission submission, string? idempotencyKey = null)
    {
        if (await gate.FindRefusalAsync(submission.Type) is { } suspended)
        {
            return (null, Problems.Conflict("process-suspended", "Process suspended",
                $"The process '{suspended.Type}' is suspended{Since(suspended)}{(suspended.Reason is { } reason ? $": {reason}" : "")}. New {suspended.Type} tasks are refused until it is active again."));
        }

        // Secret parameters (a chat api_key) are stored encrypted: from here on the task holds only the sealed value.
        var plain = submission;
        var secretNames = handlers.Get(submission.Type).SecretParameters.ToList();
        submission = submission with { ParametersJson = secrets.Seal(submission.ParametersJson, secretNames) };

        var id = TaskIds.New();
        if (idempotencyKey is null && await instantTasks.TrySubmitAsync(id, submission) is { } done)
        {
            return (done, null); // A short type, run here and written once; its grain is not even activated.
        }

        if (idempotencyKey is not null)
        {
            if (idempotencyKey.Length is 0 or > MaxIdempotencyKeyLength || idempotencyKey.Any(char.IsControl))
            {
                return (null, Problems.BadRequest("invalid-idempotency-key", "Invalid Idempotency-Key",
                    $"The Idempotency-Key header must be 1 to {MaxIdempotencyKeyLength} printable characters."));
            }

            // A retry meets the first task: SubmitAsync is idempotent, and completes whatever the first attempt left undone.
            id = await grains.GetGrain<IIdempotencyGrain>($"{submission.Client}\n{idempotencyKey}").ClaimAsync(id);
        }

        var task = await grains.GetGrain<ITaskGrain>(id).SubmitAsync(submission);
        if (idempotencyKey is not null && (task.Type != plain.Type || secrets.Reveal(task.ParametersJson, secretNames) != plain.ParametersJson))
        {
            // The key's first request had another body (or a concurrent one claimed the id with it).
            return (null, Problems.Conflict("idempotency-key-reused", "Idempotency-Key reused",
                $"The Idempotency-Key '{idempotencyKey}' was first used for task {task.Id}, a different request."));
        }

        return (task, null);
    }

    private static string Since(ProcessEntry entry) =>
        entry.Since is { } since ? $" since {since.ToString("u", CultureInfo.InvariantCulture)}" : "";
}
