using System.Text.Json;

using Tasker.Tasks;

namespace Tasker.Handlers;

/// <summary>
/// One task type and every fact about it: its parameters, how they are checked, whether its results may be cached,
/// whether it takes an upload or makes a file. The front end, the API reference and the web page take these facts from
/// here, so adding a type means writing its handler and registering it.
/// </summary>
public interface ITaskHandler
{
    /// <summary>The type name clients use, e.g. <c>sum2</c>.</summary>
    string Type { get; }

    /// <summary>One line for the API reference and the process list.</summary>
    string Description { get; }

    /// <summary>True when the same parameters always give the same result, so the result cache may answer.</summary>
    bool Cacheable { get; }

    /// <summary>Whose requests a cached result of this type answers, when <see cref="Cacheable"/>: anyone's, or the asking client's only.</summary>
    CacheScope CacheScope => CacheScope.Shared;

    /// <summary>The parameters clients send, in the order a form shows them.</summary>
    IReadOnlyList<ParameterFact> Parameters { get; }

    /// <summary>The file a task of this type produces, which <c>GET /tasks/{id}/file</c> serves once it succeeded; null for none.</summary>
    ProducedFile? Produces => null;

    /// <summary>True when the type is submitted as multipart/form-data with a file (a <see cref="ParameterKind.File"/> parameter).</summary>
    bool TakesUpload => Parameters.Any(p => p.Kind == ParameterKind.File);

    /// <summary>The names of the parameters that are secrets.</summary>
    IEnumerable<string> SecretParameters => Parameters.Where(p => p.Kind == ParameterKind.Secret).Select(p => p.Name);

    /// <summary>Checks raw parameters; on success returns their canonical JSON.</summary>
    ParameterCheck Validate(JsonElement parameters);

    /// <summary>The result in a few words for people (the web page's list), or null to show the result itself.</summary>
    string? Summarize(JsonElement result) => null;
}

/// <summary>Whose requests one cached result answers (docs/adr/003, 009).</summary>
public enum CacheScope
{
    /// <summary>Every client's: a hit tells a client nothing it did not know (numbers it sent, a result anyone can compute).</summary>
    Shared,

    /// <summary>
    /// The client that computed it, only: for free text, where a hit (<c>cached: true</c>) would tell one client that
    /// another sent the very same text.
    /// </summary>
    PerClient,
}

/// <summary>A type whose work is short enough to finish within the request that submits it.</summary>
public interface IInstantTaskHandler : ITaskHandler
{
    /// <summary>Computes the result as JSON from validated canonical parameters.</summary>
    string Execute(string parametersJson);
}

/// <summary>
/// A type whose tasks read the results of the tasks they run after (a flow's fan-in, docs/adr/035): a task of it needs
/// <c>after</c>, and runs in its grain once its parents have ended, as short as an <see cref="IInstantTaskHandler"/>'s.
/// </summary>
public interface IFanInTaskHandler : ITaskHandler
{
    /// <summary>
    /// Computes the result as JSON from validated canonical parameters and the results of the parents that succeeded, in
    /// the order the task named them (a parent that did not succeed, under <c>all_ended</c>, is left out).
    /// </summary>
    string Execute(string parametersJson, IReadOnlyList<string> parentResults);
}

/// <summary>
/// A type whose tasks run on executor agents (<c>tasker agent</c>), never inside a silo: what an agent runs is remote code
/// execution by design, so these types are off unless <c>Tasker:Shell:Enabled</c> is true, and only callers the shell
/// policy allows may submit them (docs/adr/013, 028). The front end's seam and the task grain both ask this, not the name.
/// </summary>
public interface IAgentTaskHandler : ITaskHandler
{
    /// <summary>The command and time limit an agent runs, from validated canonical parameters.</summary>
    (string Command, int TimeoutSeconds) ReadCommand(string parametersJson);
}

/// <summary>A long type: worked in chunks, with a checkpoint after each one.</summary>
public interface IChunkedTaskHandler : ITaskHandler
{
    /// <summary>The progress of a run that has not done anything yet: 0 of the total units.</summary>
    TaskProgress Plan(string parametersJson);

    /// <summary>Does one chunk of work, starting at the checkpoint, within about <see cref="ChunkContext.Budget"/>.</summary>
    Task<ChunkOutcome> RunChunkAsync(ChunkContext context, CancellationToken cancellationToken);

    /// <summary>Frees what an unfinished run holds outside the grain (e.g. a half-written file) when the task is cancelled.</summary>
    Task ReleaseAsync(string taskId) => Task.CompletedTask;

    /// <summary>
    /// Whether a chunk in flight may be abandoned when the task is paused or cancelled: it waits on a call out (a chat
    /// endpoint, for many seconds), writes nothing outside the grain, and is redone from its checkpoint on resume. Pause
    /// and cancel then answer at once instead of waiting for the call. Others keep their chunk budget, and are not cut.
    /// </summary>
    bool Interruptible => false;

    /// <summary>
    /// Removes what an ended task keeps outside its grain (its file, its children) when it expires (docs/adr/020).
    /// Called before the task's state is cleared, and again by a later sweep if anything fails: it must be idempotent.
    /// </summary>
    Task ExpireAsync(ExpiringTask task) => Task.CompletedTask;
}

/// <summary>An ended task that is expiring.</summary>
public sealed record ExpiringTask(string TaskId, string ParametersJson, DateTimeOffset FinishedAt);

/// <summary>What a chunk starts from.</summary>
public sealed record ChunkContext(
    string TaskId,
    string Client,
    TaskPriority Priority,
    string ParametersJson,
    TaskCheckpoint Checkpoint,
    TimeSpan Budget,
    IGrainFactory Grains);

/// <summary>What a chunk ended with: the new checkpoint and progress, and the result or error once the task is over.</summary>
/// <param name="ErrorCode">A stable code for the error (<see cref="TaskErrorCodes"/>); a permanent one is never retried.</param>
public sealed record ChunkOutcome(TaskCheckpoint Checkpoint, TaskProgress Progress, string? ResultJson = null, string? Error = null, string? ErrorCode = null)
{
    /// <summary>True when the task has nothing left to do.</summary>
    public bool Finished => ResultJson is not null || Error is not null;
}

/// <summary>The result of checking parameters: canonical JSON, or errors keyed by field (e.g. <c>params.first</c>).</summary>
public sealed record ParameterCheck(string? CanonicalJson, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => CanonicalJson is not null && Errors.Count == 0;
}
