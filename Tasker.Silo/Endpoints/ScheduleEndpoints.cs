using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Tasker.Api;
using Tasker.Schedules;
using Tasker.Silo.Auth;
using Tasker.Silo.FrontEnd;
using Tasker.Silo.FrontEnd.Schedules;

namespace Tasker.Silo.Endpoints;

/// <summary>
/// The <c>/schedules</c> resource: recurring schedules that make tasks on a cron or an interval (docs/adr/033). A schedule
/// is its client's, isolated as tasks are: a signed-in user reaches its own; an admin any, with <c>?client=</c>; without
/// authentication, <c>client</c> names whose schedule is meant.
/// </summary>
public static class ScheduleEndpoints
{
    private const int MaxNext = 100;

    public static RouteGroupBuilder MapScheduleEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/schedules").WithTags("Schedules");
        group.MapPut("/{id}", PutAsync)
            .WithSummary("Create or replace a schedule")
            .WithDescription("201 when created, 200 when replaced (its run list and pause stay; due times count from now). A task template and either cron (5 fields, or 6 with seconds) or every (ISO 8601 or seconds).")
            .Accepts<PutScheduleRequest>("application/json");
        group.MapGet("/", ListAsync)
            .WithSummary("List schedules")
            .WithDescription("A signed-in user's own; an admin's: every user's, or one client's with ?client=. Without authentication, ?client= is required.");
        group.MapGet("/{id}", GetAsync).WithSummary("Get a schedule");
        group.MapGet("/{id}/next", NextAsync)
            .WithSummary("The next due times")
            .WithDescription("count (1–100, default 5) due times from now, in the schedule's time zone, daylight saving applied.");
        group.MapGet("/{id}/runs", RunsAsync)
            .WithSummary("What the schedule made, newest first")
            .WithDescription("Each due time's outcome: created (with its task), skipped, buffered, missed or refused; at most the last 100. limit: 1–100.");
        group.MapPost("/{id}/pause", PauseAsync).WithSummary("Pause a schedule (its due times meanwhile are missed)");
        group.MapPost("/{id}/resume", ResumeAsync).WithSummary("Resume a schedule (the missed policy applies to what fell due meanwhile)");
        group.MapPost("/{id}/trigger", TriggerAsync).WithSummary("Make the schedule's task now, outside its due times");
        group.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a schedule (the tasks it made stay)");
        return group;
    }

    public static async Task<Results<Created<ScheduleView>, Ok<ScheduleView>, Problem<Status.Submission>>> PutAsync(
        string id, HttpRequest request, ScheduleRequestReader reader, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!ScheduleKeys.IsValidId(id))
        {
            return InvalidId(id).As<Status.Submission>();
        }

        var read = await reader.ReadAsync(request, cancellationToken);
        if (read.Failed)
        {
            return read.Problem;
        }

        var checkedRequest = read.Value;

        var result = await grains.GetGrain<IScheduleGrain>(ScheduleKeys.Of(checkedRequest.Client, id)).PutAsync(checkedRequest.Definition, checkedRequest.MaxSchedules);
        return result.Status switch
        {
            SchedulePutStatus.Created => TypedResults.Created(ScheduleViews.Self(id), ScheduleViews.From(result.Schedule!)),
            SchedulePutStatus.Replaced => TypedResults.Ok(ScheduleViews.From(result.Schedule!)),
            _ => Problems.Conflict("too-many-schedules", "Too many schedules",
                $"Client '{checkedRequest.Client}' has {checkedRequest.MaxSchedules} schedules, as many as it may hold: delete one first.").As<Status.Submission>(),
        };
    }

    public static async Task<Results<Ok<ScheduleList>, Problem<Status.BadRequest>>> ListAsync(string? client, ClaimsPrincipal user, IGrainFactory grains)
    {
        var caller = AuthenticatedUser.CallerOf(user);
        if (client is not null && !ClientNames.IsValid(client))
        {
            return ClientProblem($"client must be {ClientNames.Rule}");
        }

        IReadOnlyList<string> clients;
        if (client is not null)
        {
            clients = [client];
        }
        else if (caller is null)
        {
            return ClientProblem("client is required when nobody is signed in: GET /schedules?client=name");
        }
        else
        {
            clients = caller.IsAdmin ? await grains.GetGrain<IUserDirectoryGrain>(0).ListAsync() : [caller.Name];
        }

        var schedules = new List<ScheduleView>();
        foreach (var name in clients)
        {
            var ids = await grains.GetGrain<IScheduleIndexGrain>(name).ListAsync();
            // Each schedule answers for itself: one another user may not see reads as none.
            var found = await Task.WhenAll(ids.Select(id => grains.GetGrain<IScheduleGrain>(ScheduleKeys.Of(name, id)).GetAsync()));
            schedules.AddRange(found.OfType<ScheduleSnapshot>().Select(ScheduleViews.From));
        }

        return TypedResults.Ok(new ScheduleList(schedules));
    }

    public static Task<Results<Ok<ScheduleView>, Problem<Status.BadRequest>, Problem<Status.NotFound>>> GetAsync(string id, string? client, ClaimsPrincipal user, IGrainFactory grains) =>
        FindAsync(id, client, user, grains, g => g.GetAsync(), schedule => TypedResults.Ok(ScheduleViews.From(schedule)));

    public static async Task<Results<Ok<ScheduleNextView>, Problem<Status.BadRequest>, Problem<Status.NotFound>>> NextAsync(
        string id, string? client, string? count, ClaimsPrincipal user, IGrainFactory grains)
    {
        var wanted = 5;
        if (count is not null && (!int.TryParse(count, System.Globalization.CultureInfo.InvariantCulture, out wanted) || wanted is < 1 or > MaxNext))
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["count"] = [$"count must be a whole number from 1 to {MaxNext}"] }, "The query is invalid");
        }

        return await FindAsync(id, client, user, grains,
            async g => await g.GetAsync() is { } schedule && await g.NextAsync(wanted) is { } due ? ScheduleViews.Next(id, schedule.Definition.TimeZone, due) : null,
            next => TypedResults.Ok(next));
    }

    public static async Task<Results<Ok<ScheduleRunList>, Problem<Status.BadRequest>, Problem<Status.NotFound>>> RunsAsync(
        string id, string? client, string? limit, ClaimsPrincipal user, IGrainFactory grains)
    {
        var wanted = 50;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.CultureInfo.InvariantCulture, out wanted) || wanted is < 1 or > 100))
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["limit"] = ["limit must be a whole number from 1 to 100"] }, "The query is invalid");
        }

        return await FindAsync(id, client, user, grains, g => g.RunsAsync(wanted), runs => TypedResults.Ok(new ScheduleRunList(id, [.. runs.Select(ScheduleViews.Run)])));
    }

    public static Task<Results<Ok<ScheduleView>, Problem<Status.BadRequest>, Problem<Status.NotFound>>> PauseAsync(string id, string? client, ClaimsPrincipal user, IGrainFactory grains) =>
        FindAsync(id, client, user, grains, g => g.PauseAsync(), schedule => TypedResults.Ok(ScheduleViews.From(schedule)));

    public static Task<Results<Ok<ScheduleView>, Problem<Status.BadRequest>, Problem<Status.NotFound>>> ResumeAsync(string id, string? client, ClaimsPrincipal user, IGrainFactory grains) =>
        FindAsync(id, client, user, grains, g => g.ResumeAsync(), schedule => TypedResults.Ok(ScheduleViews.From(schedule)));

    public static Task<Results<Ok<ScheduleRunView>, Problem<Status.BadRequest>, Problem<Status.NotFound>>> TriggerAsync(string id, string? client, ClaimsPrincipal user, IGrainFactory grains) =>
        FindAsync(id, client, user, grains, g => g.TriggerAsync(), run => TypedResults.Ok(ScheduleViews.Run(run)));

    public static Task<Results<NoContent, Problem<Status.BadRequest>, Problem<Status.NotFound>>> DeleteAsync(
        string id, string? client, ClaimsPrincipal user, IGrainFactory grains) =>
        FindAsync(id, client, user, grains, async g => await g.DeleteAsync() ? "deleted" : null, _ => TypedResults.NoContent());

    /// <summary>
    /// Calls the schedule <paramref name="id"/> of the client the request means (<c>?client=</c>, else the signed-in
    /// user's own name) and answers what <paramref name="answer"/> makes of what the call returned; a 404 when it returned
    /// nothing. The grain itself hides a schedule from a user who may not access its client.
    /// </summary>
    private static async Task<Results<TAnswer, Problem<Status.BadRequest>, Problem<Status.NotFound>>> FindAsync<T, TAnswer>(
        string id, string? client, ClaimsPrincipal user, IGrainFactory grains, Func<IScheduleGrain, Task<T?>> call, Func<T, TAnswer> answer)
        where T : class
        where TAnswer : IResult
    {
        if (!ScheduleKeys.IsValidId(id))
        {
            return NotFound(id); // No schedule has such an id.
        }

        client ??= AuthenticatedUser.CallerOf(user)?.Name;
        if (client is null)
        {
            return ClientProblem("client is required when nobody is signed in: add ?client=name");
        }

        if (!ClientNames.IsValid(client))
        {
            return ClientProblem($"client must be {ClientNames.Rule}");
        }

        return await call(Grain(grains, client, id)) is { } value ? answer(value) : NotFound(id);
    }

    private static IScheduleGrain Grain(IGrainFactory grains, string client, string id) => grains.GetGrain<IScheduleGrain>(ScheduleKeys.Of(client, id));

    private static Problem<Status.BadRequest> ClientProblem(string message) =>
        Problems.Invalid(new Dictionary<string, string[]> { ["client"] = [message] }, "The request is invalid");

    private static Problem<Status.BadRequest> InvalidId(string id) =>
        Problems.Invalid(new Dictionary<string, string[]> { ["id"] = [$"a schedule id must be {ScheduleKeys.IdRule}, not '{id}'"] }, "The schedule is invalid");

    private static Problem<Status.NotFound> NotFound(string id) => Problems.NotFound($"There is no schedule with id '{id}'.");
}
