using Tasker.Api;
using Tasker.Clients;
using Tasker.Handlers;

namespace Tasker.Silo.FrontEnd;

/// <summary>Listings of tasks from the clients' histories, with filters and cursor paging.</summary>
public sealed class TaskListing(IGrainFactory grains, IHistoryStore history, TaskHandlerRegistry handlers)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>Checks the query string; returns the query or the problem naming each bad parameter.</summary>
    public Outcome<HistoryQuery, Status.BadRequest> Parse(string? type, string? status, string? limit, string? cursor)
    {
        var errors = new Dictionary<string, string[]>();
        if (type is not null && !handlers.TryGet(type, out _))
        {
            errors["type"] = [$"type '{type}' is unknown (known types: {string.Join(", ", handlers.Types)})"];
        }

        TaskPhase? phase = null;
        if (status is not null)
        {
            if (TaskPhases.TryParseWire(status, out var parsed))
            {
                phase = parsed;
            }
            else
            {
                errors["status"] = ["status must be one of queued, running, paused, succeeded, failed, cancelled"];
            }
        }

        var size = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, out size) || size < 1 || size > MaxLimit))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {MaxLimit}"];
        }

        if (cursor is not null && !TaskIds.IsWellFormed(cursor))
        {
            errors["cursor"] = ["cursor must be the 'next' value of a previous page"];
        }

        return errors.Count > 0 ? Problems.Invalid(errors, "The listing query is invalid") : new HistoryQuery(size, cursor, type, phase);
    }

    /// <summary>A page of one client's history.</summary>
    public async Task<TaskPage> ForClientAsync(string client, HistoryQuery query)
    {
        var page = await grains.GetGrain<IClientGrain>(client).QueryAsync(query);
        return new TaskPage([.. page.Entries.Select(e => TaskViews.Summary(e, client))], page.Next, page.TotalRecorded);
    }

    /// <summary>A page across every client, newest first: one indexed query of the history store (docs/adr/017).</summary>
    public async Task<TaskPage> AcrossClientsAsync(HistoryQuery query)
    {
        var page = await history.QueryAllAsync(query);
        return new TaskPage([.. page.Items.Select(t => TaskViews.Summary(t.Entry, t.Client))], page.Next);
    }
}
