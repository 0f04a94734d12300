using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tasker.Shell;

namespace Tasker.Tasks;

/// <summary>
/// The lease protocol of a shell task (docs/adr/013), as decisions: given the task's state, an agent's call and the
/// time, it says what happens, and changes nothing itself; its <see cref="TaskGrain"/> applies the decision, commits it
/// once, and does what follows (the queue, the history line, the log). The lease's token is the fence: only the current
/// lease may renew, finish or release, so an agent whose lease expired and was offered again can never commit.
/// </summary>
internal sealed class ShellLeaseProtocol(string taskId, ShellOptions options)
{
    /// <summary>An agent's pick: lease the queued shell task to <paramref name="agent"/> until a lease duration from now.</summary>
    public LeaseDecision Lease(TaskState task, bool isShell, string agent, DateTimeOffset now)
    {
        if (isShell && task.Phase == TaskPhase.Running && task.Lease is { } held)
        {
            return new LeaseDecision.Held(held.ExpiresAt);
        }

        if (!isShell || task.Phase != TaskPhase.Queued || !options.Enabled)
        {
            return new LeaseDecision.NotOffered();
        }

        var epoch = task.Epoch + 1;
        var lease = new ShellLeaseState
        {
            Agent = agent,
            Token = string.Create(CultureInfo.InvariantCulture, $"{epoch}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}"),
            ExpiresAt = now + options.LeaseDuration,
        };
        return new LeaseDecision.Leased(lease, epoch, now);
    }

    /// <summary>A heartbeat: renews the current lease, or tells the agent the task was cancelled.</summary>
    public ShellCallDecision Heartbeat(TaskState task, bool isShell, string lease, DateTimeOffset now)
    {
        if (!task.Exists)
        {
            return new ShellCallDecision.NotFound();
        }

        if (isShell && task.Phase == TaskPhase.Cancelled)
        {
            return new ShellCallDecision.Cancelled($"Task {taskId} was cancelled: kill the command.");
        }

        return Refusal(task, isShell, lease) is { } refused ? refused : new ShellCallDecision.Renewed(now + options.LeaseDuration);
    }

    /// <summary>
    /// The agent's report of the command's end: the task ends as the report says, with the report as its result.
    /// <paramref name="timeoutSeconds"/> is the command's time limit, named in the error of one that ran past it.
    /// </summary>
    public ShellCallDecision Finish(TaskState task, bool isShell, string lease, ShellReport report, int timeoutSeconds, DateTimeOffset now)
    {
        if (!task.Exists)
        {
            return new ShellCallDecision.NotFound();
        }

        if (Refusal(task, isShell, lease) is { } refused)
        {
            return refused;
        }

        var agent = task.Lease!.Agent;
        var (phase, error) = EndOf(report, agent, timeoutSeconds);
        return new ShellCallDecision.Ended(agent, phase, error, ResultJson(report, agent, task.Attempts), now);
    }

    /// <summary>The agent gives the task back (it is stopping): queued again at once.</summary>
    public ShellCallDecision Release(TaskState task, bool isShell, string lease)
    {
        if (!task.Exists)
        {
            return new ShellCallDecision.NotFound();
        }

        return Refusal(task, isShell, lease) is { } refused ? refused : new ShellCallDecision.Released(task.Lease!.Agent);
    }

    /// <summary>The queue found the lease past its deadline: queue the task again, fail it, or say it was renewed.</summary>
    public LeaseExpiryDecision CheckExpiry(TaskState task, bool isShell, DateTimeOffset now)
    {
        if (!isShell || task.Phase.IsFinal())
        {
            return new LeaseExpiryDecision.Gone();
        }

        if (task.Phase == TaskPhase.Queued)
        {
            return new LeaseExpiryDecision.StillQueued();
        }

        if (task.Lease is { } lease && lease.ExpiresAt > now)
        {
            return new LeaseExpiryDecision.Renewed(lease.ExpiresAt);
        }

        var agent = task.Lease?.Agent ?? "?";
        if (task.Attempts >= options.MaxAttempts)
        {
            return new LeaseExpiryDecision.Failed(agent, string.Create(CultureInfo.InvariantCulture,
                $"no agent finished it: the lease expired {task.Attempts} times (Tasker:Shell:MaxAttempts = {options.MaxAttempts}), last held by agent {agent}"), now);
        }

        return new LeaseExpiryDecision.Requeued(agent);
    }

    /// <summary>Takes the lease from a running shell task and queues it again; the new epoch makes the old lease stale.</summary>
    public static void BackToQueue(TaskState task)
    {
        task.Phase = TaskPhase.Queued;
        task.Lease = null;
        task.Epoch++;
    }

    /// <summary>Null when <paramref name="lease"/> is the running shell task's current lease, else the refusal.</summary>
    private ShellCallDecision.Refused? Refusal(TaskState task, bool isShell, string lease)
    {
        if (!isShell)
        {
            return new($"task {taskId} is a {task.Type} task, not a shell task");
        }

        if (task.Phase != TaskPhase.Running || task.Lease is null)
        {
            return new($"task {taskId} is {task.Phase.ToWire()}, not leased to anyone");
        }

        // In constant time: how much of a guess matches must not show in how long the refusal takes.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(lease), Encoding.UTF8.GetBytes(task.Lease.Token))
            ? null
            : new($"the lease is not the current one of task {taskId} (it expired and the task was offered again)");
    }

    private static (TaskPhase Phase, string? Error) EndOf(ShellReport report, string agent, int timeoutSeconds) => report switch
    {
        { StartError: { } startError } => (TaskPhase.Failed, $"the command could not start on agent {agent}: {startError}"),
        { TimedOut: true } => (TaskPhase.Failed, string.Create(CultureInfo.InvariantCulture, $"timed out after {timeoutSeconds} s (timeout_s) and was killed")),
        { ExitCode: 0 } => (TaskPhase.Succeeded, null),
        { ExitCode: { } code } => (TaskPhase.Failed, string.Create(CultureInfo.InvariantCulture, $"the command exited with code {code}")),
        _ => (TaskPhase.Failed, "the command was killed by a signal"),
    };

    /// <summary>The task's result: the report, each output cut at the cap (in UTF-8 bytes) and marked when it was.</summary>
    private string ResultJson(ShellReport report, string agent, int attempt)
    {
        var cap = options.OutputCapBytes;
        var (stdout, stdoutCut) = Cap(report.Stdout, cap);
        var (stderr, stderrCut) = Cap(report.Stderr, cap);
        return JsonSerializer.Serialize(new ShellResult(
            report.ExitCode, stdout, stderr, report.StdoutTruncated || stdoutCut, report.StderrTruncated || stderrCut,
            cap, report.TimedOut, report.DurationMs, agent, attempt));
    }

    private static (string Text, bool Cut) Cap(string text, int capBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= capBytes)
        {
            return (text, false);
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var end = capBytes;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80)
        {
            end--; // Not in the middle of a character.
        }

        return (Encoding.UTF8.GetString(bytes, 0, end), true);
    }

    private sealed record ShellResult(
        [property: JsonPropertyName("exit_code")] int? ExitCode,
        [property: JsonPropertyName("stdout")] string Stdout,
        [property: JsonPropertyName("stderr")] string Stderr,
        [property: JsonPropertyName("stdout_truncated")] bool StdoutTruncated,
        [property: JsonPropertyName("stderr_truncated")] bool StderrTruncated,
        [property: JsonPropertyName("output_cap_bytes")] int OutputCapBytes,
        [property: JsonPropertyName("timed_out")] bool TimedOut,
        [property: JsonPropertyName("duration_ms")] long DurationMs,
        [property: JsonPropertyName("agent")] string Agent,
        [property: JsonPropertyName("attempt")] int Attempt);
}
