using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Tasker.Api;
using Tasker.Handlers;
using Tasker.Silo.Endpoints;
using Tasker.Silo.FrontEnd;

namespace Tasker.Silo.OldSystems;

/// <summary>
/// System 001, "taskmanager" (Flask and Celery): <c>GET /tasks/</c> (the tasks, the ones still going first),
/// <c>POST /tasks/upload</c> (a csv-import of the file in the form field <c>file</c>), <c>GET /tasks/download</c> with
/// <c>from</c> and <c>till</c> (a csv-export; from the query string, or the JSON body httpie sends), and GETs that pause,
/// stop and resume a task. <c>GET /tasks/{id}</c> is the canonical route itself. Its requests name no client: they are
/// recorded under the configured one (<c>001</c>) or the signed-in user.
/// </summary>
public static class System001
{
    private static readonly string[] _downloadFields = ["from", "till"];
    private static readonly Dictionary<string, string> _names = new() { ["params.from"] = "from", ["params.till"] = "till" };
    private static readonly TaskPhase[] _going = [TaskPhase.Running, TaskPhase.Paused, TaskPhase.Queued];

    private const string LegacyGet =
        "Legacy: a GET that changes the task, kept because system 001 documented it so (a crawler or a prefetching browser " +
        "that follows it changes the task too). New clients use the canonical POST.";

    public static void Map(RouteGroupBuilder app)
    {
        // The OpenAPI document would list this route as GET /tasks, over the canonical listing: DescribeAsync adds it as /tasks/.
        app.MapGet("/tasks/", ListAsync).WithMetadata(TrailingSlash.Required).ExcludeFromDescription();
        app.MapPost("/tasks/upload", UploadAsync)
            .WithSummary("001: upload a CSV to import")
            .WithDescription("multipart/form-data with the CSV in the field file (http -f POST /tasks/upload file@data.csv): a csv-import task, as POST /tasks answers it.")
            .Accepts<IFormFile>("multipart/form-data");
        app.MapGet("/tasks/download", DownloadAsync)
            .WithSummary("001: export the rows from one date to another as a CSV")
            .WithDescription("from and till (YYYY-MM-DD) from the query string, or a JSON body (http GET /tasks/download from=2010-02-15 till=2019-03-15 sends one): a csv-export task, as POST /tasks answers it; its file is at GET /tasks/{id}/file once it has succeeded. Legacy: a GET that starts a task.")
            .AddOpenApiOperationTransformer(Deprecated);
        app.MapGet("/tasks/{id}/pause", TaskEndpoints.PauseAsync).WithSummary("001: pause a running task").WithLegacyCommand();
        app.MapGet("/tasks/{id}/stop", TaskEndpoints.CancelAsync).WithSummary("001: stop (cancel) a task").WithLegacyCommand();
        app.MapGet("/tasks/{id}/resume", TaskEndpoints.ResumeAsync).WithSummary("001: resume a paused task").WithLegacyCommand();
    }

    private static RouteHandlerBuilder WithLegacyCommand(this RouteHandlerBuilder builder) =>
        builder.WithDescription(LegacyGet).AddOpenApiOperationTransformer(Deprecated);

    private static Task Deprecated(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        operation.Deprecated = true;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Adds <c>GET /tasks/</c> to the OpenAPI document, as a copy of the canonical listing's operation with 001's
    /// description (the document keys paths without their trailing slash, so the route cannot describe itself), and
    /// tags the canonical <c>GET /tasks/{id}</c>, which 001's README uses as it is, with 001's tag too.
    /// </summary>
    public static Task DescribeAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var served = context.ApplicationServices.GetRequiredService<EndpointDataSource>().Endpoints
            .Any(e => e.Metadata.GetMetadata<TrailingSlash>() is not null);
        if (served && document.Paths.TryGetValue("/tasks", out var canonical) && canonical.Operations?.GetValueOrDefault(HttpMethod.Get) is { } listing)
        {
            var operation = new OpenApiOperation(listing)
            {
                OperationId = null,
                Summary = "001: the tasks, the ones still going first",
                Description = "Only with the trailing slash, as 001 wrote it: running, then paused, then queued tasks, each newest first, " +
                    "then the rest newest first, up to limit (1–500, default 50), without paging; client and type filter as in GET /tasks. " +
                    "With status or cursor it answers as GET /tasks does, the canonical listing (newest first, cursor paging).",
                Tags = new HashSet<OpenApiTagReference> { new("001 compatibility", document) },
            };
            document.Paths["/tasks/"] = new OpenApiPathItem { Operations = new() { [HttpMethod.Get] = operation } };
            if (document.Paths.TryGetValue("/tasks/{id}", out var task) && task.Operations?.GetValueOrDefault(HttpMethod.Get) is { } get)
            {
                get.Tags ??= new HashSet<OpenApiTagReference>();
                get.Tags.Add(new OpenApiTagReference("001 compatibility", document));
            }
        }

        return Task.CompletedTask;
    }

    public static async Task<Results<Ok<TaskPage>, Problem<Status.BadRequest>>> ListAsync(
        TaskListing listing, ClaimsPrincipal user, string? client, string? type, string? status, string? limit, string? cursor)
    {
        if (status is not null || cursor is not null || (client is not null && !ClientNames.IsValid(client)))
        {
            // One status, or a later page: only the canonical order pages; a bad client is the canonical 400.
            return await TaskEndpoints.ListAsync(listing, user, client, type, status, limit, cursor);
        }

        if (Auth.AuthenticatedUser.CallerOf(user) is { IsAdmin: false } caller)
        {
            client ??= caller.Name; // As on GET /tasks: a signed-in user who is not an admin lists its own tasks.
        }

        var parsed = listing.Parse(type, status: null, limit, cursor: null);
        if (parsed.Failed)
        {
            return parsed.Problem;
        }

        var query = parsed.Value;

        var pages = await Task.WhenAll(_going.Select(phase => query with { Phase = phase }).Append(query)
            .Select(q => client is null ? listing.AcrossClientsAsync(q) : listing.ForClientAsync(client, q)));
        var items = pages.SelectMany(page => page.Items).DistinctBy(item => item.Id).Take(query.Limit).ToList();
        return TypedResults.Ok(new TaskPage(items, Next: null));
    }

    public static async Task<Results<Results<Accepted<TaskView>, Ok<TaskView>>, Problem<Status.Body>, Problem<Status.Submission>>> UploadAsync(
        HttpContext context, UploadReader uploads, TaskSubmitter submitter, TaskViews views, CancellationToken cancellationToken)
    {
        if (!UploadReader.IsMultipart(context.Request.ContentType))
        {
            return Problems.Problem<Status.Body>(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "unsupported-media-type",
                $"The upload must be multipart/form-data with the CSV in the field file (http -f POST /tasks/upload file@data.csv), not '{context.Request.ContentType ?? "none"}'.");
        }

        var read = await uploads.ReadAsync(context.Request, CsvImportHandler.TypeName, OldSystem.ClientOf(context), cancellationToken);
        if (read.Failed)
        {
            return read.Problem;
        }

        var submitted = await submitter.SubmitAsync(context, read.Value.Submission, upload: read.Value.File);
        return submitted.Failed ? submitted.Problem : views.Answer(submitted.Value);
    }

    public static async Task<Results<Results<Accepted<TaskView>, Ok<TaskView>>, Problem<Status.Body>, Problem<Status.Submission>>> DownloadAsync(
        HttpContext context, string? from, string? till, TaskRequestReader reader, TaskSubmitter submitter, TaskViews views, IOptions<TaskerHttpOptions> options,
        CancellationToken cancellationToken)
    {
        var parameters = new Dictionary<string, JsonElement>();
        var errors = new Dictionary<string, string[]>();
        if (JsonBody.HasBody(context.Request))
        {
            var body = await JsonBody.ReadObjectAsync(context.Request, options.Value.MaxRequestBodyBytes, "from and till", cancellationToken);
            if (body.Failed)
            {
                return body.Problem;
            }

            using (var document = body.Value)
            {
                JsonBody.RejectUnknownFields(document.RootElement, _downloadFields, errors, "a 001 download");
                foreach (var field in _downloadFields.Where(f => document.RootElement.TryGetProperty(f, out _)))
                {
                    parameters[field] = document.RootElement.GetProperty(field).Clone();
                }
            }
        }

        // The query string wins over the body.
        foreach (var (field, value) in new[] { ("from", from), ("till", till) })
        {
            if (value is not null)
            {
                parameters[field] = JsonSerializer.SerializeToElement(value);
            }
        }

        var submitted = await OldSystem.CheckAndSubmitAsync(
            context, reader, submitter, new(CsvExportHandler.TypeName, JsonSerializer.SerializeToElement(parameters), OldSystem.ClientOf(context)),
            errors, checkErrors => OldSystem.Rename(checkErrors, _names), "The download request is invalid");
        return submitted.Failed ? submitted.Problem : views.Answer(submitted.Value);
    }
}
