using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Tasker.Api;
using Tasker.Shell;
using Tasker.Silo.FrontEnd;
using Tasker.Silo.FrontEnd.Agents;

namespace Tasker.Silo.Endpoints;

/// <summary>
/// The executor agents' routes (as system 004 had them): pick a shell task, heartbeat while it runs, finish or
/// release it. Every call carries the agent token; every report carries the pick's lease (docs/adr/013).
/// </summary>
public static class AgentEndpoints
{
    public const string AgentHeader = "X-Agent-Name";
    private const double MaxWaitSeconds = 30;
    private static readonly TimeSpan _waitSlice = TimeSpan.FromSeconds(20); // Under the grain call timeout.
    private static readonly string[] _leaseFields = ["lease"];
    private static readonly string[] _finishFields = ["lease", "exitCode", "stdout", "stderr", "stdoutTruncated", "stderrTruncated", "timedOut", "durationMs", "error"];

    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder app)
    {
        var agents = app.MapGroup("/tasks").WithTags("Agents").AddEndpointFilter<AgentTokenFilter>()
            .AllowAnonymous().WithMetadata(AgentRoute.Instance) // The agent token, not a user, authenticates these.
            .WithMetadata( // The token filter's answers: a wrong token, or none configured.
                new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ProblemDetails), ["application/problem+json"]),
                new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(ProblemDetails), ["application/problem+json"]));
        agents.MapGet("/pick", PickAsync)
            .WithSummary("Pick the next shell task (executor agents)")
            .WithDescription("Authorization: Bearer <agent token>. The queued shell task with the highest priority, then the earliest, leased to the agent named by the X-Agent-Name header or ?agent=. 204 when none; ?wait=N (0–30 s) waits for one. ?ahead=true: a pick made while the agent's current command still runs, answered 204 when another agent waits for a task; it does not wait.");
        agents.MapPost("/{id}/heartbeat", HeartbeatAsync)
            .WithSummary("Renew a lease; learn of a cancellation (executor agents)")
            .WithDescription("Body {\"lease\":...}. Renews the lease, then waits up to heartbeatSeconds for a cancellation: cancel: true means kill the command. 409 when the lease is not the current one.")
            .Accepts<LeaseRequest>("application/json");
        agents.MapPost("/{id}/finish", FinishAsync)
            .WithSummary("Report a shell task's outcome (executor agents)")
            .WithDescription("Exit code, stdout and stderr (each kept up to Tasker:Shell:OutputCapBytes and marked truncated beyond), with the pick's lease. 409 when the lease is not the current one: nothing changes.")
            .Accepts<FinishTaskRequest>("application/json");
        agents.MapPost("/{id}/finish-and-pick", FinishAndPickAsync)
            .WithSummary("Report a shell task's outcome and pick the next one (executor agents)")
            .WithDescription("The finish report, as for /finish; once it is stored, the next queued shell task is leased to the same agent and comes in the answer (next: null when none is queued; this call does not wait: a pick does). One request per task instead of two. ?ahead=true: the agent already runs its next task, and this pick is ahead of it, as for /pick?ahead=true. 409 when the lease is not the current one: nothing changes and nothing is picked.")
            .Accepts<FinishTaskRequest>("application/json");
        agents.MapPost("/{id}/release", ReleaseAsync)
            .WithSummary("Give a shell task back to the queue (an agent that stops)")
            .Accepts<LeaseRequest>("application/json");

        app.MapGet("/agents", ListAgentsAsync)
            .WithTags("Agents")
            .WithSummary("The executor agents heard from, and the shell queue")
            .WithDescription("Admins only: the agents' current tasks are every user's.")
            .RequireAuthorization(Hosting.AuthExtensions.AdminPolicy);
        return app;
    }

    public static async Task<Results<Ok<PickedTaskView>, NoContent, Problem<Status.BadRequest>>> PickAsync(
        HttpContext context, string? agent, string? wait, string? ahead, IGrainFactory grains, IOptions<ShellOptions> shell, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = AgentName(context, agent, errors);
        var pickAhead = Ahead(ahead, errors);
        var seconds = 0.0;
        if (wait is not null && (!double.TryParse(wait, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || !(seconds >= 0 && seconds <= MaxWaitSeconds)))
        {
            errors["wait"] = [$"wait must be a number of seconds from 0 to {MaxWaitSeconds}"];
        }
        else if (pickAhead && seconds > 0)
        {
            errors["wait"] = ["a pick ahead (ahead=true) does not wait: leave wait out or 0"];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors, "The pick is invalid");
        }

        var queue = grains.GetGrain<IShellQueueGrain>(0);
        if (pickAhead)
        {
            return await queue.PickAheadAsync(name!) is { } held ? TypedResults.Ok(View(held, shell.Value)) : TypedResults.NoContent();
        }

        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(seconds);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await queue.PickAsync(name!) is { } grant)
            {
                return TypedResults.Ok(View(grant, shell.Value));
            }

            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            await queue.WaitForWorkAsync(remaining < _waitSlice ? remaining : _waitSlice);
        }

        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<HeartbeatView>, Problem<Status.Body>, Problem<Status.TaskCommand>>> HeartbeatAsync(
        string id, HttpContext context, string? agent, IGrainFactory grains, IOptions<ShellOptions> shell, IOptions<TaskerHttpOptions> frontEnd, CancellationToken cancellationToken)
    {
        var lease = await ReadLeaseAsync(context.Request, frontEnd.Value, cancellationToken);
        if (lease.Failed)
        {
            return lease.Problem;
        }

        if (!TaskIds.IsWellFormed(id))
        {
            return Problems.TaskNotFound(id).As<Status.TaskCommand>();
        }

        var outcome = await grains.GetGrain<IShellTaskGrain>(id).HeartbeatAsync(lease.Value);
        if (outcome.Status != ShellCallStatus.Done)
        {
            return outcome.Status == ShellCallStatus.Cancelled ? TypedResults.Ok(new HeartbeatView(id, TaskPhase.Cancelled.ToWire(), true, null)) : Refusal(id, outcome);
        }

        Seen(grains, context, agent, id);
        // Wait for a cancellation for a while, so that it reaches the agent at once without busy heartbeats.
        var task = await grains.GetGrain<ITaskGrain>(id).WatchAsync(outcome.Task!.Version, shell.Value.HeartbeatWait);
        var cancelled = task is null || task.Phase == TaskPhase.Cancelled;
        return TypedResults.Ok(new HeartbeatView(id, task?.Phase.ToWire() ?? "deleted", cancelled, cancelled ? null : outcome.LeaseExpiresAt));
    }

    public static async Task<Results<Ok<TaskView>, Problem<Status.Report>>> FinishAsync(
        string id, HttpContext context, string? agent, IGrainFactory grains, TaskViews views, IOptions<TaskerHttpOptions> frontEnd, CancellationToken cancellationToken)
    {
        var outcome = await FinishReportedAsync(id, context, grains, frontEnd.Value, [], cancellationToken);
        if (outcome.Failed)
        {
            return outcome.Problem;
        }

        Seen(grains, context, agent, null);
        return TypedResults.Ok(views.From(outcome.Value.Task!));
    }

    public static async Task<Results<Ok<FinishedView>, Problem<Status.Report>>> FinishAndPickAsync(
        string id, HttpContext context, string? agent, string? ahead, IGrainFactory grains, TaskViews views, IOptions<ShellOptions> shell, IOptions<TaskerHttpOptions> frontEnd,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = AgentName(context, agent, errors);
        var pickAhead = Ahead(ahead, errors);
        var outcome = await FinishReportedAsync(id, context, grains, frontEnd.Value, errors, cancellationToken);
        if (outcome.Failed)
        {
            return outcome.Problem; // Refused: nothing was stored, and nothing is picked.
        }

        // The report is stored: whatever happens to the pick, the answer says so. A pick that fails half way leaves its
        // task watched by the queue, which offers it again at its lease's deadline.
        PickedTaskView? next = null;
        try
        {
            var queue = grains.GetGrain<IShellQueueGrain>(0);
            if (await (pickAhead ? queue.PickAheadAsync(name!) : queue.PickAsync(name!)) is { } grant)
            {
                next = View(grant, shell.Value);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            AgentEndpointsLog.NextPickFailed(loggers.CreateLogger(typeof(AgentEndpoints).FullName!), id, name!, exception);
        }

        return TypedResults.Ok(new FinishedView(views.From(outcome.Value.Task!), next));
    }

    /// <summary>
    /// Reads a finish report and stores it: the task's call result when it was stored, else the problem to answer. The
    /// report is not stored when <paramref name="errors"/> (the caller's, then the report's) names any bad field.
    /// </summary>
    private static async Task<Outcome<ShellCallResult, Status.Report>> FinishReportedAsync(
        string id, HttpContext context, IGrainFactory grains, TaskerHttpOptions frontEnd, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request, frontEnd.MaxRequestBodyBytes, "lease, exitCode, stdout and stderr", cancellationToken);
        if (body.Failed)
        {
            return body.Problem.As<Status.Report>();
        }

        string? lease;
        ShellReport report;
        using (var document = body.Value)
        {
            var root = document.RootElement;
            JsonBody.RejectUnknownFields(root, _finishFields, errors, "a finish report");
            lease = JsonBody.ReadString(root, "lease", errors, required: true);
            var exitCode = ReadInt(root, "exitCode", errors);
            var stdout = ReadText(root, "stdout", errors);
            var stderr = ReadText(root, "stderr", errors);
            var startError = ReadText(root, "error", errors);
            var durationMs = ReadInt(root, "durationMs", errors, long.MaxValue) ?? 0;
            var timedOut = ReadBool(root, "timedOut", errors);
            var stdoutTruncated = ReadBool(root, "stdoutTruncated", errors);
            var stderrTruncated = ReadBool(root, "stderrTruncated", errors);
            if (exitCode is null && !timedOut && startError is null && !errors.ContainsKey("exitCode"))
            {
                errors["exitCode"] = ["exitCode is required unless timedOut is true or error says why the command could not start"];
            }

            if (errors.Count > 0)
            {
                return Problems.Invalid(errors, "The finish report is invalid").As<Status.Report>();
            }

            report = new ShellReport(
                (int?)exitCode, stdout ?? "", stderr ?? "", stdoutTruncated, stderrTruncated, timedOut, durationMs, startError);
        }

        if (!TaskIds.IsWellFormed(id))
        {
            return Problems.TaskNotFound(id).As<Status.Report>();
        }

        var outcome = await grains.GetGrain<IShellTaskGrain>(id).FinishAsync(lease!, report);
        return outcome.Status == ShellCallStatus.Done ? outcome : Refusal(id, outcome).As<Status.Report>();
    }

    public static async Task<Results<Ok<TaskView>, Problem<Status.Body>, Problem<Status.TaskCommand>>> ReleaseAsync(
        string id, HttpContext context, string? agent, IGrainFactory grains, TaskViews views, IOptions<TaskerHttpOptions> frontEnd, CancellationToken cancellationToken)
    {
        var lease = await ReadLeaseAsync(context.Request, frontEnd.Value, cancellationToken);
        if (lease.Failed)
        {
            return lease.Problem;
        }

        if (!TaskIds.IsWellFormed(id))
        {
            return Problems.TaskNotFound(id).As<Status.TaskCommand>();
        }

        var outcome = await grains.GetGrain<IShellTaskGrain>(id).ReleaseAsync(lease.Value);
        if (outcome.Status != ShellCallStatus.Done)
        {
            return Refusal(id, outcome);
        }

        Seen(grains, context, agent, null);
        return TypedResults.Ok(views.From(outcome.Task!));
    }

    public static async Task<Ok<AgentsView>> ListAgentsAsync(IGrainFactory grains)
    {
        var view = await grains.GetGrain<IShellQueueGrain>(0).ViewAsync();
        return TypedResults.Ok(new AgentsView(view.Queued, view.Leased, [.. view.Agents.Select(a => new AgentView(a.Name, a.CurrentTaskId, a.LastSeen))]));
    }

    private static PickedTaskView View(ShellLeaseGrant grant, ShellOptions shell)
    {
        var self = TaskViews.Self(grant.TaskId);
        return new PickedTaskView(
            grant.TaskId, grant.Command, grant.TimeoutSeconds, grant.Lease, grant.LeaseExpiresAt, shell.HeartbeatWait.TotalSeconds, grant.Attempt, grant.Client, shell.OutputCapBytes,
            new AgentTaskLinks($"{self}/heartbeat", $"{self}/finish", $"{self}/release"));
    }

    private static Problem<Status.TaskCommand> Refusal(string id, ShellCallResult outcome) => outcome.Status switch
    {
        ShellCallStatus.NotFound => Problems.TaskNotFound(id).As<Status.TaskCommand>(),
        ShellCallStatus.Cancelled => Problems.Conflict("task-cancelled", "The task was cancelled", $"Task {id} was cancelled; its report is not kept.").As<Status.TaskCommand>(),
        _ => Problems.Conflict("stale-lease", "Not the current lease", $"Refused, nothing changed: {outcome.Reason ?? "the lease is not the current one"}.").As<Status.TaskCommand>(),
    };

    private static string? AgentName(HttpContext context, string? query, Dictionary<string, string[]> errors)
    {
        var name = query ?? context.Request.Headers[AgentHeader].FirstOrDefault() ?? "unnamed";
        if (!ClientNames.IsValid(name))
        {
            errors["agent"] = [$"the agent name (X-Agent-Name or ?agent=) must be {ClientNames.Rule}"];
            return null;
        }

        return name;
    }

    private static bool Ahead(string? ahead, Dictionary<string, string[]> errors)
    {
        if (ahead is null)
        {
            return false;
        }

        if (!bool.TryParse(ahead, out var value))
        {
            errors["ahead"] = ["ahead must be true or false"];
        }

        return value;
    }

    private static void Seen(IGrainFactory grains, HttpContext context, string? query, string? taskId)
    {
        var name = query ?? context.Request.Headers[AgentHeader].FirstOrDefault();
        if (ClientNames.IsValid(name))
        {
            _ = grains.GetGrain<IShellQueueGrain>(0).SeenAsync(name!, taskId); // One-way.
        }
    }

    private static async Task<Outcome<string, Status.Body>> ReadLeaseAsync(HttpRequest request, TaskerHttpOptions options, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(request, options.MaxRequestBodyBytes, "the lease", cancellationToken);
        if (body.Failed)
        {
            return body.Problem;
        }

        using (var document = body.Value)
        {
            var errors = new Dictionary<string, string[]>();
            JsonBody.RejectUnknownFields(document.RootElement, _leaseFields, errors, "a lease request");
            var lease = JsonBody.ReadString(document.RootElement, "lease", errors, required: true);
            return errors.Count > 0 || lease is null ? Problems.Invalid(errors, "The request is invalid").As<Status.Body>() : lease;
        }
    }

    private static long? ReadInt(JsonElement root, string name, Dictionary<string, string[]> errors, long max = int.MaxValue)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var min = max == int.MaxValue ? int.MinValue : 0;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number) || number < min || number > max)
        {
            errors[name] = [$"{name} must be a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}"];
            return null;
        }

        return number;
    }

    private static string? ReadText(JsonElement root, string name, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors[name] = [$"{name} must be a string, not {JsonBody.Describe(value.ValueKind)}"];
            return null;
        }

        return value.GetString();
    }

    private static bool ReadBool(JsonElement root, string name, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors[name] = [$"{name} must be true or false, not {JsonBody.Describe(value.ValueKind)}"];
            return false;
        }

        return value.GetBoolean();
    }
}
