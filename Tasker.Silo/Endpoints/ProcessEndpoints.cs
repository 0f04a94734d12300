using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Tasker.Api;
using Tasker.Handlers;
using Tasker.Silo.FrontEnd;

namespace Tasker.Silo.Endpoints;

/// <summary>The <c>/processes</c> resource: the status of each task type, and suspending or activating one.</summary>
public static class ProcessEndpoints
{
    private const int MaxReasonLength = 500;
    private static readonly string[] _fields = ["status", "reason"];

    public static RouteGroupBuilder MapProcessEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/processes").WithTags("Processes");
        group.MapGet("/", ListAsync).WithSummary("Every task type's status");
        group.MapGet("/{type}", GetAsync).WithSummary("One task type's status");
        group.MapPut("/{type}", SetAsync)
            .WithSummary("Suspend or activate a task type")
            .WithDescription("status: active or suspended (error and queue are set by Tasker itself); reason: optional, shown to refused clients.")
            .RequireAuthorization(Hosting.AuthExtensions.AdminPolicy)
            .Accepts<SetProcessRequest>("application/json");
        return group;
    }

    public static async Task<Ok<List<ProcessView>>> ListAsync(IGrainFactory grains, ProcessGate gate, TaskHandlerRegistry handlers)
    {
        var table = await ReadTableAsync(grains, gate);
        return TypedResults.Ok(table.Entries.Select(e => TaskViews.Process(e, handlers.Get(e.Type).Description)).ToList());
    }

    public static async Task<Results<Ok<ProcessView>, Problem<Status.NotFound>>> GetAsync(string type, IGrainFactory grains, ProcessGate gate, TaskHandlerRegistry handlers)
    {
        if (!handlers.TryGet(type, out var handler))
        {
            return UnknownType(type, handlers);
        }

        var table = await ReadTableAsync(grains, gate);
        return TypedResults.Ok(TaskViews.Process(table.Entries.First(e => e.Type == type), handler.Description));
    }

    public static async Task<Results<Ok<ProcessView>, Problem<Status.NotFound>, Problem<Status.Body>>> SetAsync(
        string type, HttpRequest request, IGrainFactory grains, ProcessGate gate, TaskHandlerRegistry handlers,
        IOptions<TaskerHttpOptions> options, CancellationToken cancellationToken)
    {
        if (!handlers.TryGet(type, out var handler))
        {
            return UnknownType(type, handlers);
        }

        var body = await JsonBody.ReadObjectAsync(request, options.Value.MaxRequestBodyBytes, "status and an optional reason", cancellationToken);
        if (body.Failed)
        {
            return body.Problem;
        }

        using (var document = body.Value)
        {
            var root = document.RootElement;
            var errors = new Dictionary<string, string[]>();
            JsonBody.RejectUnknownFields(root, _fields, errors, "a process update");
            var statusText = JsonBody.ReadString(root, "status", errors, required: true);
            var reason = JsonBody.ReadString(root, "reason", errors, required: false);
            ProcessStatus? status = null;
            if (statusText is not null && !TryParseUserStatus(statusText, out status, out var refusal))
            {
                errors["status"] = [$"status {refusal}"];
            }

            if (reason is { Length: > MaxReasonLength })
            {
                errors["reason"] = [$"reason must be at most {MaxReasonLength} characters"];
            }

            if (errors.Count > 0 || status is null)
            {
                return Problems.Invalid(errors, "The process update is invalid").As<Status.Body>();
            }

            var table = await SetStatusAsync(grains, gate, type, status.Value, reason);
            return TypedResults.Ok(TaskViews.Process(table.Entries.First(e => e.Type == type), handler.Description));
        }
    }

    /// <summary>
    /// Parses a status a user may set: active or suspended (any case). Otherwise false, with why, worded to follow the
    /// field's name (e.g. "must be active or suspended, not 'paused'").
    /// </summary>
    public static bool TryParseUserStatus(string text, [NotNullWhen(true)] out ProcessStatus? status, [NotNullWhen(false)] out string? refusal)
    {
        (status, refusal) = text.ToLowerInvariant() switch
        {
            "active" => ((ProcessStatus?)ProcessStatus.Active, (string?)null),
            "suspended" => (ProcessStatus.Suspended, null),
            "error" or "queue" => (null, $"'{text}' is set by Tasker itself; a user sets active or suspended"),
            _ => (null, $"must be active or suspended, not '{text}'"),
        };
        return status is not null;
    }

    /// <summary>Every type's status from the registry, which also refreshes this silo's copy of the table.</summary>
    public static async Task<ProcessTable> ReadTableAsync(IGrainFactory grains, ProcessGate gate)
    {
        var table = await grains.GetGrain<IProcessRegistryGrain>(0).GetTableAsync();
        gate.Accept(table);
        return table;
    }

    /// <summary>Sets a type's status in the registry, and this silo's copy of the table with it; returns the new table.</summary>
    public static Task<ProcessTable> SetStatusAsync(IGrainFactory grains, ProcessGate gate, string type, ProcessStatus status, string? reason) =>
        SetStatusesAsync(grains, gate, new Dictionary<string, ProcessStatus> { [type] = status }, reason);

    /// <summary>Sets several types' statuses at once (all or none), and this silo's copy of the table with them.</summary>
    public static async Task<ProcessTable> SetStatusesAsync(IGrainFactory grains, ProcessGate gate, Dictionary<string, ProcessStatus> statuses, string? reason)
    {
        var table = await grains.GetGrain<IProcessRegistryGrain>(0).SetStatusesAsync(statuses, reason);
        gate.Accept(table);
        return table;
    }

    private static Problem<Status.NotFound> UnknownType(string type, TaskHandlerRegistry handlers) =>
        Problems.NotFound($"There is no task type '{type}' (known types: {string.Join(", ", handlers.Types)}).");
}
