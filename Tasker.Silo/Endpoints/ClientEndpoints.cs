using Microsoft.AspNetCore.Http.HttpResults;
using Tasker.Api;
using Tasker.Silo.FrontEnd;

namespace Tasker.Silo.Endpoints;

/// <summary>The <c>/clients</c> resource: each client's request history.</summary>
public static class ClientEndpoints
{
    public static RouteGroupBuilder MapClientEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/clients").WithTags("Clients");
        group.MapGet("/{name}/tasks", GetHistoryAsync)
            .WithSummary("A client's request history, newest first")
            .WithDescription("Paged with limit (1–500, default 50) and cursor; filters type and status. Cache hits are listed with cached: true.");
        return group;
    }

    public static async Task<Results<Ok<TaskPage>, Problem<Status.BadRequest>>> GetHistoryAsync(string name, TaskListing listing, string? type, string? status, string? limit, string? cursor)
    {
        if (!ClientNames.IsValid(name))
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["name"] = [$"a client name must be {ClientNames.Rule}"] }, "The client name is invalid");
        }

        var query = listing.Parse(type, status, limit, cursor);
        return query.Failed ? query.Problem : TypedResults.Ok(await listing.ForClientAsync(name, query.Value));
    }
}
