using System.Text.Json;
using Tasker.Shell;
using Tasker.Tasks;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>The shell lease protocol's decisions, applied to a task's state as its grain applies them, without a cluster.</summary>
public sealed class ShellLeaseProtocolTests
{
    private const string TaskId = "shell-under-test";

    private static readonly DateTimeOffset _start = new(2026, 12, 7, 16, 0, 0, TimeSpan.Zero);

    private readonly ShellOptions _options = new() { Enabled = true, LeaseDuration = TimeSpan.FromSeconds(30), MaxAttempts = 2, OutputCapBytes = 1_024 };

    private readonly TaskState _task = new()
    {
        Exists = true,
        Type = "shell",
        Client = "agents",
        Phase = TaskPhase.Queued,
        Epoch = 4,
    };

    private ShellLeaseProtocol Protocol => new(TaskId, _options);

    private static ShellReport Exited(int? code, string stdout = "out", string stderr = "") => new(code, stdout, stderr, false, false, false, 120);

    /// <summary>Leases the task to <paramref name="agent"/> at <paramref name="at"/>, as the grain does, and returns the token.</summary>
    private string LeaseTo(string agent, DateTimeOffset at)
    {
        var leased = Assert.IsType<LeaseDecision.Leased>(Protocol.Lease(_task, isShell: true, agent, at));
        leased.ApplyTo(_task);
        return leased.Lease.Token;
    }

    /// <summary>Lets the queue find the lease expired at <paramref name="at"/> and applies what it decided.</summary>
    private LeaseExpiryDecision ExpireAt(DateTimeOffset at)
    {
        var decision = Protocol.CheckExpiry(_task, isShell: true, at);
        (decision as LeaseExpiryDecision.Requeued)?.ApplyTo(_task);
        (decision as LeaseExpiryDecision.Failed)?.ApplyTo(_task);
        return decision;
    }

    [Fact]
    public void A_queued_shell_task_is_leased_under_a_new_epoch_with_a_token_that_names_it_until_a_lease_duration_from_now()
    {
        var leased = Assert.IsType<LeaseDecision.Leased>(Protocol.Lease(_task, isShell: true, "agent-a", _start));
        Assert.Equal(TaskPhase.Queued, _task.Phase); // The decision changes nothing until the grain applies it.

        leased.ApplyTo(_task);

        Assert.Equal(TaskPhase.Running, _task.Phase);
        Assert.Equal(5, _task.Epoch);
        Assert.Equal(1, _task.Attempts);
        Assert.Equal(_start, _task.StartedAt);
        Assert.Equal("agent-a", _task.Lease?.Agent);
        Assert.Equal(_start.AddSeconds(30), _task.Lease?.ExpiresAt);
        Assert.StartsWith("5-", leased.Lease.Token, StringComparison.Ordinal);
        Assert.Equal(2 + 24, leased.Lease.Token.Length);
    }

    [Fact]
    public void Two_leases_never_share_a_token()
    {
        var first = LeaseTo("agent-a", _start);
        ExpireAt(_start.AddMinutes(1));
        var second = LeaseTo("agent-b", _start.AddMinutes(1));

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void A_pick_of_a_task_leased_already_is_told_until_when_the_lease_holds()
    {
        LeaseTo("agent-a", _start);

        var decision = Protocol.Lease(_task, isShell: true, "agent-b", _start.AddSeconds(5));

        Assert.Equal(new LeaseDecision.Held(_start.AddSeconds(30)), decision);
        Assert.Equal("agent-a", _task.Lease?.Agent);
    }

    [Theory]
    [InlineData(TaskPhase.Scheduled, true, true)]
    [InlineData(TaskPhase.Cancelled, true, true)]
    [InlineData(TaskPhase.Queued, false, true)]
    [InlineData(TaskPhase.Queued, true, false)]
    public void A_task_is_not_offered_unless_it_is_a_queued_shell_task_and_shell_tasks_are_on(TaskPhase phase, bool isShell, bool enabled)
    {
        _task.Phase = phase;
        _options.Enabled = enabled;

        Assert.IsType<LeaseDecision.NotOffered>(Protocol.Lease(_task, isShell, "agent-a", _start));
    }

    [Fact]
    public void A_heartbeat_of_the_current_lease_renews_it_for_a_lease_duration_from_now()
    {
        var token = LeaseTo("agent-a", _start);

        var renewed = Assert.IsType<ShellCallDecision.Renewed>(Protocol.Heartbeat(_task, isShell: true, token, _start.AddSeconds(20)));
        renewed.ApplyTo(_task);

        Assert.Equal(_start.AddSeconds(50), renewed.ExpiresAt);
        Assert.Equal(_start.AddSeconds(50), _task.Lease?.ExpiresAt);
        Assert.Equal(TaskPhase.Running, _task.Phase);
    }

    [Fact]
    public void A_heartbeat_after_a_cancel_tells_the_agent_to_kill_the_command()
    {
        var token = LeaseTo("agent-a", _start);
        _task.Finish(_start.AddSeconds(3), TaskPhase.Cancelled, "cancelled on request");

        var decision = Protocol.Heartbeat(_task, isShell: true, token, _start.AddSeconds(4));

        Assert.Equal(new ShellCallDecision.Cancelled($"Task {TaskId} was cancelled: kill the command."), decision);
    }

    [Fact]
    public void A_forged_token_is_refused_for_heartbeat_finish_and_release_and_changes_nothing()
    {
        var token = LeaseTo("agent-a", _start);
        var forged = token[..^1] + (token[^1] == '0' ? '1' : '0');
        var refusal = $"the lease is not the current one of task {TaskId} (it expired and the task was offered again)";

        Assert.Equal(new ShellCallDecision.Refused(refusal), Protocol.Heartbeat(_task, isShell: true, forged, _start.AddSeconds(1)));
        Assert.Equal(new ShellCallDecision.Refused(refusal), Protocol.Finish(_task, isShell: true, forged, Exited(0), 60, _start.AddSeconds(1)));
        Assert.Equal(new ShellCallDecision.Refused(refusal), Protocol.Release(_task, isShell: true, forged));
        Assert.Equal(new ShellCallDecision.Refused(refusal), Protocol.Finish(_task, isShell: true, "", Exited(0), 60, _start.AddSeconds(1)));
        Assert.Equal(token, _task.Lease?.Token);
    }

    [Fact]
    public void A_stale_token_after_the_task_was_leased_again_is_refused_and_the_new_lease_finishes()
    {
        var stale = LeaseTo("agent-a", _start);
        Assert.IsType<LeaseExpiryDecision.Requeued>(ExpireAt(_start.AddSeconds(31)));
        var current = LeaseTo("agent-b", _start.AddSeconds(32));

        Assert.IsType<ShellCallDecision.Refused>(Protocol.Heartbeat(_task, isShell: true, stale, _start.AddSeconds(33)));
        Assert.IsType<ShellCallDecision.Refused>(Protocol.Finish(_task, isShell: true, stale, Exited(1), 60, _start.AddSeconds(33)));
        Assert.IsType<ShellCallDecision.Refused>(Protocol.Release(_task, isShell: true, stale));
        var ended = Assert.IsType<ShellCallDecision.Ended>(Protocol.Finish(_task, isShell: true, current, Exited(0), 60, _start.AddSeconds(34)));
        Assert.Equal("agent-b", ended.Agent);
        Assert.Equal(TaskPhase.Succeeded, ended.Phase);
    }

    [Fact]
    public void A_finish_after_the_lease_expired_and_the_task_was_queued_again_is_refused_as_not_leased()
    {
        var token = LeaseTo("agent-a", _start);
        ExpireAt(_start.AddSeconds(31));

        var decision = Protocol.Finish(_task, isShell: true, token, Exited(0), 60, _start.AddSeconds(40));

        Assert.Equal(new ShellCallDecision.Refused($"task {TaskId} is queued, not leased to anyone"), decision);
        Assert.Equal(TaskPhase.Queued, _task.Phase);
        Assert.Null(_task.ResultJson);
    }

    [Fact]
    public void A_finish_after_the_last_lease_expired_and_the_task_failed_is_refused()
    {
        var token = LeaseTo("agent-a", _start);
        ExpireAt(_start.AddSeconds(31));
        token = LeaseTo("agent-b", _start.AddSeconds(32));
        var failed = Assert.IsType<LeaseExpiryDecision.Failed>(ExpireAt(_start.AddSeconds(70)));

        var decision = Protocol.Finish(_task, isShell: true, token, Exited(0), 60, _start.AddSeconds(71));

        Assert.Equal("agent-b", failed.Agent);
        Assert.Equal(new ShellCallDecision.Refused($"task {TaskId} is failed, not leased to anyone"), decision);
        Assert.Equal(TaskPhase.Failed, _task.Phase);
    }

    [Fact]
    public void Calls_about_a_task_that_does_not_exist_are_told_so()
    {
        var missing = new TaskState();

        Assert.IsType<ShellCallDecision.NotFound>(Protocol.Heartbeat(missing, isShell: false, "1-ab", _start));
        Assert.IsType<ShellCallDecision.NotFound>(Protocol.Finish(missing, isShell: false, "1-ab", Exited(0), 60, _start));
        Assert.IsType<ShellCallDecision.NotFound>(Protocol.Release(missing, isShell: false, "1-ab"));
    }

    [Fact]
    public void Calls_about_a_task_of_another_type_are_refused_as_not_shell()
    {
        _task.Type = "sum";
        _task.Phase = TaskPhase.Running;

        var decision = Protocol.Finish(_task, isShell: false, "5-ab", Exited(0), 60, _start);

        Assert.Equal(new ShellCallDecision.Refused($"task {TaskId} is a sum task, not a shell task"), decision);
    }

    public static TheoryData<ShellReport, TaskPhase, string?> Reports() => new()
    {
        { Exited(0), TaskPhase.Succeeded, null },
        { Exited(3), TaskPhase.Failed, "the command exited with code 3" },
        { Exited(null), TaskPhase.Failed, "the command was killed by a signal" },
        { Exited(null) with { TimedOut = true }, TaskPhase.Failed, "timed out after 60 s (timeout_s) and was killed" },
        { Exited(null) with { StartError = "no such file" }, TaskPhase.Failed, "the command could not start on agent agent-a: no such file" },
    };

    [Theory]
    [MemberData(nameof(Reports))]
    public void A_finish_of_the_current_lease_ends_the_task_as_the_report_says(ShellReport report, TaskPhase phase, string? error)
    {
        var token = LeaseTo("agent-a", _start);

        var ended = Assert.IsType<ShellCallDecision.Ended>(Protocol.Finish(_task, isShell: true, token, report, 60, _start.AddSeconds(9)));
        ended.ApplyTo(_task);

        Assert.Equal(phase, _task.Phase);
        Assert.Equal(error, _task.Error);
        Assert.Equal(_start.AddSeconds(9), _task.FinishedAt);
        Assert.Null(_task.Lease);
        using var result = JsonDocument.Parse(_task.ResultJson!);
        Assert.Equal("agent-a", result.RootElement.GetProperty("agent").GetString());
        Assert.Equal(1, result.RootElement.GetProperty("attempt").GetInt32());
        Assert.Equal(120, result.RootElement.GetProperty("duration_ms").GetInt64());
    }

    [Fact]
    public void A_finish_after_the_deadline_but_before_the_queue_found_it_expired_still_ends_the_task()
    {
        // Nobody else was offered the task yet, so its one agent's report is the task's only end: at least once holds.
        var token = LeaseTo("agent-a", _start);

        var decision = Protocol.Finish(_task, isShell: true, token, Exited(0), 60, _start.AddMinutes(5));

        Assert.IsType<ShellCallDecision.Ended>(decision);
    }

    [Fact]
    public void An_oversize_output_is_cut_at_the_cap_in_bytes_between_characters_and_marked_truncated()
    {
        var token = LeaseTo("agent-a", _start);
        var stdout = "a" + new string('é', 1_000); // 2,001 bytes: the cap at 1,024 falls inside a 2-byte character.
        var report = Exited(0, stdout, stderr: "small") with { StderrTruncated = true };

        var ended = Assert.IsType<ShellCallDecision.Ended>(Protocol.Finish(_task, isShell: true, token, report, 60, _start.AddSeconds(9)));

        using var result = JsonDocument.Parse(ended.ResultJson);
        var kept = result.RootElement.GetProperty("stdout").GetString()!;
        Assert.Equal(1_023, System.Text.Encoding.UTF8.GetByteCount(kept));
        Assert.Equal(stdout[..512], kept);
        Assert.True(result.RootElement.GetProperty("stdout_truncated").GetBoolean());
        Assert.Equal("small", result.RootElement.GetProperty("stderr").GetString());
        Assert.True(result.RootElement.GetProperty("stderr_truncated").GetBoolean()); // The agent's own cut is kept.
        Assert.Equal(1_024, result.RootElement.GetProperty("output_cap_bytes").GetInt32());
    }

    [Fact]
    public void An_output_within_the_cap_is_kept_whole_and_not_marked()
    {
        var token = LeaseTo("agent-a", _start);

        var ended = Assert.IsType<ShellCallDecision.Ended>(Protocol.Finish(_task, isShell: true, token, Exited(0, new string('x', 1_024)), 60, _start));

        using var result = JsonDocument.Parse(ended.ResultJson);
        Assert.Equal(1_024, result.RootElement.GetProperty("stdout").GetString()!.Length);
        Assert.False(result.RootElement.GetProperty("stdout_truncated").GetBoolean());
    }

    [Fact]
    public void A_release_queues_the_task_again_under_a_new_epoch_without_counting_the_attempt()
    {
        var token = LeaseTo("agent-a", _start);

        var released = Assert.IsType<ShellCallDecision.Released>(Protocol.Release(_task, isShell: true, token));
        released.ApplyTo(_task);

        Assert.Equal("agent-a", released.Agent);
        Assert.Equal(TaskPhase.Queued, _task.Phase);
        Assert.Null(_task.Lease);
        Assert.Equal(6, _task.Epoch);
        Assert.Equal(0, _task.Attempts);
        Assert.IsType<ShellCallDecision.Refused>(Protocol.Heartbeat(_task, isShell: true, token, _start.AddSeconds(1)));
    }

    [Fact]
    public void A_released_task_starts_when_an_agent_next_takes_it_not_when_the_released_lease_was_made()
    {
        var first = LeaseTo("agent-a", _start);
        Assert.IsType<ShellCallDecision.Released>(Protocol.Release(_task, isShell: true, first)).ApplyTo(_task);
        Assert.Null(_task.StartedAt);

        LeaseTo("agent-b", _start.AddSeconds(5));
        Assert.Equal(_start.AddSeconds(5), _task.StartedAt);
    }

    [Fact]
    public void A_release_after_an_expired_lease_keeps_the_start_of_the_attempt_whose_command_ran()
    {
        LeaseTo("agent-a", _start);
        ExpireAt(_start.AddSeconds(30)); // Queued again: agent-a's command ran, and this attempt started then.
        var held = LeaseTo("agent-b", _start.AddSeconds(31));
        Assert.IsType<ShellCallDecision.Released>(Protocol.Release(_task, isShell: true, held)).ApplyTo(_task);

        Assert.Equal(_start, _task.StartedAt);
    }

    [Fact]
    public void An_expired_lease_queues_the_task_again_until_the_last_attempt_then_fails_it_naming_the_agent()
    {
        LeaseTo("agent-a", _start);

        Assert.Equal(new LeaseExpiryDecision.Requeued("agent-a"), ExpireAt(_start.AddSeconds(30)));
        Assert.Equal(TaskPhase.Queued, _task.Phase);
        Assert.Null(_task.Lease);
        Assert.Equal(6, _task.Epoch);

        LeaseTo("agent-b", _start.AddSeconds(31));
        var failed = Assert.IsType<LeaseExpiryDecision.Failed>(ExpireAt(_start.AddSeconds(61)));

        Assert.Equal("no agent finished it: the lease expired 2 times (Tasker:Shell:MaxAttempts = 2), last held by agent agent-b", failed.Error);
        Assert.Equal(TaskPhase.Failed, _task.Phase);
        Assert.Equal(failed.Error, _task.Error);
        Assert.Equal(_start.AddSeconds(61), _task.FinishedAt);
        Assert.Null(_task.Lease);
    }

    [Fact]
    public void A_lease_renewed_before_the_queue_looked_is_watched_until_its_new_deadline()
    {
        var token = LeaseTo("agent-a", _start);
        ((ShellCallDecision.Renewed)Protocol.Heartbeat(_task, isShell: true, token, _start.AddSeconds(25))).ApplyTo(_task);

        Assert.Equal(new LeaseExpiryDecision.Renewed(_start.AddSeconds(55)), ExpireAt(_start.AddSeconds(30)));
        Assert.Equal(TaskPhase.Running, _task.Phase);
    }

    [Fact]
    public void A_lease_check_of_a_task_still_queued_offers_it_again_and_of_an_ended_one_forgets_it()
    {
        Assert.IsType<LeaseExpiryDecision.StillQueued>(Protocol.CheckExpiry(_task, isShell: true, _start));

        _task.Finish(_start, TaskPhase.Succeeded);
        Assert.IsType<LeaseExpiryDecision.Gone>(Protocol.CheckExpiry(_task, isShell: true, _start));
        Assert.IsType<LeaseExpiryDecision.Gone>(Protocol.CheckExpiry(new TaskState { Exists = true, Phase = TaskPhase.Running }, isShell: false, _start));
    }
}
