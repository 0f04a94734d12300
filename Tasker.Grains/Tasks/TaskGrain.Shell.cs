using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tasker.Handlers;
using Tasker.Shell;

namespace Tasker.Tasks;

/// <summary>
/// The agents' side of a shell task (docs/adr/013). The lease lives in the task's durable state; its token is the
/// fence: only the current lease may renew, finish or release, so an agent whose lease expired can never commit.
/// </summary>
public sealed partial class TaskGrain : IShellTaskGrain
{
    private bool RunsOnAgent => S.Exists && handlers.TryGet(S.Type, out var handler) && handler is IAgentTaskHandler;

    private (string Command, int TimeoutSeconds) Command() => ((IAgentTaskHandler)handlers.Get(S.Type)).ReadCommand(S.ParametersJson);

    /// <summary>
    /// Why this grain refuses to take an agent task, or null: the front end's seam refuses these first (docs/adr/028),
    /// so this answers only a way in that skipped it. Shell tasks are off unless enabled; a signed-in caller needs the role.
    /// </summary>
    private string? RefuseAgentTask(TaskSubmission submission) =>
        !Shell.Enabled ? $"{submission.Type} tasks are off on this server (Tasker:Shell:Enabled is false)"
        : Caller.Current is { MayRunCommands: false } caller ? $"user '{caller.Name}' may not submit {submission.Type} tasks (the '{UserRoles.Shell}' role is needed)"
        : null;

    private ShellOptions Shell => shellOptions.Value;

    private IShellQueueGrain ShellQueue() => GrainFactory.GetGrain<IShellQueueGrain>(0);

    /// <summary>
    /// Puts a just accepted shell task in the queue, before the task's own first write: a stored shell task always
    /// has its place in the queue. Should that write then fail, the queue holds an id that it finds gone and drops.
    /// </summary>
    private async Task EnqueueShellAsync()
    {
        if (!await ShellQueue().EnqueueAsync(Id, S.Priority, S.CreatedAt, S.Client))
        {
            throw new ShellQueueFullException(
                $"The shell queue is full ({Shell.MaxQueued} tasks queued or running, Tasker:Shell:MaxQueued); retry later.");
        }
    }

    public async Task<ShellLeaseAnswer> LeaseAsync(string agent)
    {
        if (RunsOnAgent && S.Phase == TaskPhase.Running && S.Lease is { } held)
        {
            return new ShellLeaseAnswer(null, held.ExpiresAt); // Picked before the queue last stored itself: watch that lease.
        }

        if (!RunsOnAgent || S.Phase != TaskPhase.Queued || !Shell.Enabled)
        {
            return new ShellLeaseAnswer(null); // Switched off since it was queued: it waits, and no agent is handed its command.
        }

        var now = clock.GetUtcNow();
        S.Phase = TaskPhase.Running;
        S.StartedAt ??= now;
        S.Epoch++;
        S.Attempts++;
        S.Lease = new ShellLeaseState
        {
            Agent = agent,
            Token = string.Create(CultureInfo.InvariantCulture, $"{S.Epoch}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}"),
            ExpiresAt = now + Shell.LeaseDuration,
        };
        await CommitAsync();
        await AfterPhaseChangeAsync();
        TaskShellLog.Leased(logger, Id, S.Client, agent, S.Attempts);
        var (command, timeout) = Command();
        return new ShellLeaseAnswer(new ShellLeaseGrant(Id, command, timeout, S.Lease.Token, S.Lease.ExpiresAt, S.Attempts, S.Client));
    }

    public async Task<ShellCallResult> HeartbeatAsync(string lease)
    {
        if (!S.Exists)
        {
            return new ShellCallResult(ShellCallStatus.NotFound);
        }

        if (RunsOnAgent && S.Phase == TaskPhase.Cancelled)
        {
            return new ShellCallResult(ShellCallStatus.Cancelled, Task: _published, Reason: $"Task {Id} was cancelled: kill the command.");
        }

        if (Refuse(lease) is { } refusal)
        {
            return refusal;
        }

        S.Lease!.ExpiresAt = clock.GetUtcNow() + Shell.LeaseDuration;
        await CommitAsync();
        return new ShellCallResult(ShellCallStatus.Done, S.Lease.ExpiresAt, _published);
    }

    public async Task<ShellCallResult> FinishAsync(string lease, ShellReport report)
    {
        if (!S.Exists)
        {
            return new ShellCallResult(ShellCallStatus.NotFound);
        }

        if (Refuse(lease) is { } refusal)
        {
            return refusal;
        }

        var agent = S.Lease!.Agent;
        var (_, timeout) = Command();
        S.ResultJson = ResultJson(report, agent);
        if (report.StartError is { } startError)
        {
            S.Finish(clock.GetUtcNow(), TaskPhase.Failed, $"the command could not start on agent {agent}: {startError}");
        }
        else if (report.TimedOut)
        {
            S.Finish(clock.GetUtcNow(), TaskPhase.Failed, string.Create(CultureInfo.InvariantCulture, $"timed out after {timeout} s (timeout_s) and was killed"));
        }
        else if (report.ExitCode == 0)
        {
            S.Finish(clock.GetUtcNow(), TaskPhase.Succeeded);
        }
        else
        {
            S.Finish(clock.GetUtcNow(), TaskPhase.Failed, report.ExitCode is { } code
                ? string.Create(CultureInfo.InvariantCulture, $"the command exited with code {code}")
                : "the command was killed by a signal");
        }

        await RetryIfAllowedAsync();
        await CommitAsync();
        await ShellQueue().ForgetAsync(Id);
        await AfterPhaseChangeAsync();
        TaskShellLog.Finished(logger, Id, S.Client, agent, report.ExitCode, report.TimedOut);
        return new ShellCallResult(ShellCallStatus.Done, Task: _published);
    }

    public async Task<ShellCallResult> ReleaseAsync(string lease)
    {
        if (!S.Exists)
        {
            return new ShellCallResult(ShellCallStatus.NotFound);
        }

        if (Refuse(lease) is { } refusal)
        {
            return refusal;
        }

        var agent = S.Lease!.Agent;
        BackToQueue();
        S.Attempts--;
        await CommitAsync();
        await AfterPhaseChangeAsync();
        TaskShellLog.Released(logger, Id, S.Client, agent);
        // One-way, so that this task never waits on the queue while the queue may be asking it about its lease.
        // Should the message be lost, the queue still watches the old lease's deadline and finds the task queued then.
        await ShellQueue().ReturnAsync(Id, S.Priority, S.CreatedAt, S.Client);
        return new ShellCallResult(ShellCallStatus.Done, Task: _published);
    }

    public async Task<LeaseCheck> CheckLeaseAsync()
    {
        if (!RunsOnAgent || S.Phase.IsFinal())
        {
            return new LeaseCheck(LeaseCheckStatus.Gone);
        }

        if (S.Phase == TaskPhase.Queued)
        {
            // The pick that took it from the queue never reached this task (or its write failed): offer it again.
            return new LeaseCheck(LeaseCheckStatus.Requeued, Priority: S.Priority, CreatedAt: S.CreatedAt, Client: S.Client);
        }

        if (S.Lease is { } lease && lease.ExpiresAt > clock.GetUtcNow())
        {
            return new LeaseCheck(LeaseCheckStatus.Renewed, lease.ExpiresAt);
        }

        var agent = S.Lease?.Agent ?? "?";
        if (S.Attempts >= Shell.MaxAttempts)
        {
            S.Finish(clock.GetUtcNow(), TaskPhase.Failed, string.Create(CultureInfo.InvariantCulture,
                $"no agent finished it: the lease expired {S.Attempts} times (Tasker:Shell:MaxAttempts = {Shell.MaxAttempts}), last held by agent {agent}"));
            await CommitAsync();
            await AfterPhaseChangeAsync();
            TaskShellLog.LeaseExpired(logger, Id, S.Client, agent, S.Attempts, Shell.MaxAttempts, "the task failed");
            return new LeaseCheck(LeaseCheckStatus.Gone);
        }

        BackToQueue();
        await CommitAsync();
        await AfterPhaseChangeAsync();
        TaskShellLog.LeaseExpired(logger, Id, S.Client, agent, S.Attempts, Shell.MaxAttempts, "queued again");
        return new LeaseCheck(LeaseCheckStatus.Requeued, Priority: S.Priority, CreatedAt: S.CreatedAt, Client: S.Client);
    }

    /// <summary>Null when <paramref name="lease"/> is the running task's current lease, else the refusal.</summary>
    private ShellCallResult? Refuse(string lease)
    {
        string? reason = null;
        if (!RunsOnAgent)
        {
            reason = $"task {Id} is a {S.Type} task, not a shell task";
        }
        else if (S.Phase != TaskPhase.Running || S.Lease is null)
        {
            reason = $"task {Id} is {S.Phase.ToWire()}, not leased to anyone";
        }
        else if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(lease), Encoding.UTF8.GetBytes(S.Lease.Token)))
        {
            reason = $"the lease is not the current one of task {Id} (it expired and the task was offered again)";
        }

        if (reason is null)
        {
            return null;
        }

        TaskShellLog.Refused(logger, Id, reason);
        return new ShellCallResult(ShellCallStatus.StaleLease, Task: _published, Reason: reason);
    }

    private void BackToQueue()
    {
        S.Phase = TaskPhase.Queued;
        S.Lease = null;
        S.Epoch++;
    }

    /// <summary>The task's result: the report, each output cut at the cap (in UTF-8 bytes) and marked when it was.</summary>
    private string ResultJson(ShellReport report, string agent)
    {
        var cap = Shell.OutputCapBytes;
        var (stdout, stdoutCut) = Cap(report.Stdout, cap);
        var (stderr, stderrCut) = Cap(report.Stderr, cap);
        return JsonSerializer.Serialize(new ShellResult(
            report.ExitCode, stdout, stderr, report.StdoutTruncated || stdoutCut, report.StderrTruncated || stderrCut,
            cap, report.TimedOut, report.DurationMs, agent, S.Attempts));
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
        [property: System.Text.Json.Serialization.JsonPropertyName("exit_code")] int? ExitCode,
        [property: System.Text.Json.Serialization.JsonPropertyName("stdout")] string Stdout,
        [property: System.Text.Json.Serialization.JsonPropertyName("stderr")] string Stderr,
        [property: System.Text.Json.Serialization.JsonPropertyName("stdout_truncated")] bool StdoutTruncated,
        [property: System.Text.Json.Serialization.JsonPropertyName("stderr_truncated")] bool StderrTruncated,
        [property: System.Text.Json.Serialization.JsonPropertyName("output_cap_bytes")] int OutputCapBytes,
        [property: System.Text.Json.Serialization.JsonPropertyName("timed_out")] bool TimedOut,
        [property: System.Text.Json.Serialization.JsonPropertyName("duration_ms")] long DurationMs,
        [property: System.Text.Json.Serialization.JsonPropertyName("agent")] string Agent,
        [property: System.Text.Json.Serialization.JsonPropertyName("attempt")] int Attempt);
}
