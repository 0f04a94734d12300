using Microsoft.AspNetCore.Http.HttpResults;
using Tasker.Handlers;

namespace Tasker.Silo.Endpoints;

/// <summary>
/// The <c>/types</c> resource: every task type and its parameters, as its handler declares them. The web page builds
/// its form from it; a client may too.
/// </summary>
public static class TypeEndpoints
{
    public static RouteGroupBuilder MapTypeEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/types").WithTags("Types");
        group.MapGet("/", List).WithSummary("Every task type and its parameters");
        return group;
    }

    public static Ok<List<TaskTypeView>> List(TaskHandlerRegistry handlers) =>
        TypedResults.Ok(handlers.Types.Select(type => TaskTypeView.From(handlers.Get(type))).ToList());

    /// <summary>Marks an operation whose description lists the task types and their parameters (the OpenAPI document adds them).</summary>
    public sealed class DescribeTaskTypes;

    /// <summary>Each type's parameters for the API reference, from its handler (<c>GET /types</c> has them in full).</summary>
    public static string Describe(TaskHandlerRegistry handlers)
    {
        var types = handlers.Types.Select(handlers.Get).ToList();
        static string Names(ITaskHandler h) => string.Join(", ", h.Parameters.Select(p => p.Optional ? p.Name + "?" : p.Name));
        var json = types.Where(h => !h.TakesUpload).Select(h => $"{h.Type} ({Names(h)})");
        var uploads = types.Where(h => h.TakesUpload).Select(h =>
            $"{h.Type} (fields type, client, priority, {string.Join(", ", h.Parameters.Where(p => p.Kind != ParameterKind.File).Select(p => p.Name))}; the file in a part named {h.Parameters.First(p => p.Kind == ParameterKind.File).Name})");
        return $"Types and their params (GET /types describes each): {string.Join("; ", json)}. Sent as multipart/form-data: {string.Join("; ", uploads)}.";
    }
}

/// <summary>A task type as clients see it.</summary>
/// <param name="Upload">True when it is submitted as multipart/form-data with a file.</param>
/// <param name="File">True when a task of it produces a file (<c>GET /tasks/{id}/file</c>).</param>
/// <param name="Instant">True when it finishes within the request that submits it.</param>
public sealed record TaskTypeView(
    string Type, string Description, bool Cacheable, bool Upload, bool File, bool Instant, IReadOnlyList<ParameterView> Parameters)
{
    public static TaskTypeView From(ITaskHandler handler) => new(
        handler.Type,
        handler.Description,
        handler.Cacheable,
        handler.TakesUpload,
        handler.Produces is not null,
        handler is IInstantTaskHandler,
        [.. handler.Parameters.Select(p => new ParameterView(p.Name, p.Kind, p.Optional, p.Example, p.Min, p.Max, p.Hint, p.Accept))]);
}

/// <summary>One parameter: its name, how it is entered (number, int, text, textarea, secret, date, file), and its bounds.</summary>
/// <param name="Max">For int, the largest value; for text, the longest length.</param>
public sealed record ParameterView(
    string Name, ParameterKind Kind, bool Optional, string? Example, long? Min, long? Max, string? Hint, string? Accept);
