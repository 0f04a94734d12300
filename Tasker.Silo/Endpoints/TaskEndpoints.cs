using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Tasker.Api;
using Tasker.Files;
using Tasker.Handlers;
using Tasker.Silo.FrontEnd;
using Tasker.Tasks;

namespace Tasker.Silo.Endpoints;

/// <summary>The <c>/tasks</c> resource: submit, read, watch, control and delete tasks.</summary>
public static class TaskEndpoints
{
    private static readonly TimeSpan _maxWait = TimeSpan.FromSeconds(25);

    public static RouteGroupBuilder MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tasks").WithTags("Tasks");
        group.MapPost("/", SubmitAsync)
            .WithSummary("Submit a task")
            .WithDescription("202 with the task and a Location header; 200 with cached: true and the result when the result cache answers. An Idempotency-Key header makes a retried POST return the first task.")
            .WithMetadata(new TypeEndpoints.DescribeTaskTypes())
            .Accepts<SubmitTaskRequest>("application/json", "multipart/form-data");
        group.MapBatchEndpoint();
        group.MapGet("/", ListAsync)
            .WithSummary("List tasks, newest first")
            .WithDescription("Filters: client, type, status. Paging: limit (1–500, default 50) and cursor (the 'next' of the previous page).");
        group.MapGet("/{id}", GetAsync)
            .WithSummary("Get a task")
            .WithDescription("With after={version} (and timeout={seconds}, at most 25) the call waits until the task changes past that version or ends.");
        group.MapGet("/{id}/status", GetStatusAsync).WithSummary("Get a task's status and progress");
        group.MapGet("/{id}/result", GetResultAsync)
            .WithSummary("Get a task's result")
            .WithDescription("200 once the task succeeded; 409 while it runs or when it failed or was cancelled.");
        group.MapGet("/{id}/events", GetEventsAsync)
            .WithSummary("Watch a task (server-sent events)")
            .WithDescription("One 'status' event with the task now, then one per change, until the task ends; then the stream closes.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream"); // The event stream's result describes no response.
        group.MapGet("/{id}/file", GetFileAsync)
            .WithSummary("Download the file a task produced")
            .WithDescription("200 with the file once the task succeeded (the types that make one say so in GET /types); 409 while it runs or when it failed or was cancelled; 404 for a task that produces no file.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream"); // A physical file's result describes no response.
        group.MapPost("/{id}/pause", PauseAsync).WithSummary("Pause a running task at its next chunk boundary");
        group.MapPost("/{id}/resume", ResumeAsync).WithSummary("Resume a paused task from its checkpoint");
        group.MapPost("/{id}/cancel", CancelAsync).WithSummary("Cancel a task that has not ended");
        group.MapPost("/{id}/run-now", RunNowAsync).WithSummary("Start a scheduled task now instead of at its time");
        group.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a task that has ended, or one still scheduled");
        return group;
    }

    public static async Task<Results<Results<Accepted<TaskView>, Ok<TaskView>>, Problem<Status.Body>, Problem<Status.Submission>>> SubmitAsync(
        HttpRequest request,
        TaskRequestReader reader,
        UploadReader uploads,
        TaskSubmitter submitter,
        TaskViews views,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        TaskSubmission submission;
        StagedUpload? upload = null;
        if (UploadReader.IsMultipart(request.ContentType))
        {
            var read = await uploads.ReadAsync(request, cancellationToken);
            if (read.Failed)
            {
                return read.Problem;
            }

            (submission, upload) = (read.Value.Submission, read.Value.File);
        }
        else
        {
            var read = await reader.ReadAsync(request, cancellationToken);
            if (read.Failed)
            {
                return read.Problem;
            }

            submission = read.Value;
        }

        var submitted = await submitter.SubmitAsync(request.HttpContext, submission, idempotencyKey, upload);
        return submitted.Failed ? submitted.Problem : views.Answer(submitted.Value);
    }

    public static async Task<Results<Ok<TaskPage>, Problem<Status.BadRequest>>> ListAsync(
        TaskListing listing, ClaimsPrincipal user, string? client, string? type, string? status, string? limit, string? cursor)
    {
        var parsed = listing.Parse(type, status, limit, cursor);
        if (parsed.Failed)
        {
            return parsed.Problem;
        }

        var query = parsed.Value;

        // A signed-in user who is not an admin lists its own tasks (other clients' histories read empty to it anyway).
        if (Auth.AuthenticatedUser.CallerOf(user) is { IsAdmin: false } caller)
        {
            client ??= caller.Name;
        }

        if (client is null)
        {
            return TypedResults.Ok(await listing.AcrossClientsAsync(query));
        }

        return ClientNames.IsValid(client)
            ? TypedResults.Ok(await listing.ForClientAsync(client, query))
            : Problems.Invalid(new Dictionary<string, string[]> { ["client"] = [$"client must be {ClientNames.Rule}"] }, "The listing query is invalid");
    }

    public static async Task<Results<Ok<TaskView>, Problem<Status.NotFound>, Problem<Status.BadRequest>, Problem<Status.Unavailable>>> GetAsync(
        string id, string? after, string? timeout, IGrainFactory grains, TaskViews views, IHostApplicationLifetime lifetime, HttpContext context)
    {
        if (!TaskIds.IsWellFormed(id))
        {
            return Problems.TaskNotFound(id);
        }

        var grain = grains.GetGrain<ITaskGrain>(id);
        TaskSnapshot? task;
        if (after is null && timeout is null)
        {
            task = await grain.GetAsync();
        }
        else
        {
            var errors = new Dictionary<string, string[]>();
            long afterVersion = 0;
            var seconds = 20.0;
            if (after is not null && (!long.TryParse(after, out afterVersion) || afterVersion < 0))
            {
                errors["after"] = ["after must be a task version (a whole number, 0 or more)"];
            }

            if (timeout is not null && (!double.TryParse(timeout, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || !(seconds >= 0 && seconds <= _maxWait.TotalSeconds)))
            {
                errors["timeout"] = [$"timeout must be a number of seconds from 0 to {_maxWait.TotalSeconds}"];
            }

            if (errors.Count > 0)
            {
                return Problems.Invalid(errors, "The wait is invalid");
            }

            try
            {
                // The grain answers within the wait; the request stops waiting sooner when the silo stops, so that
                // the host, which waits for its requests, can stop at once.
                using var waiting = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
                task = await grain.WatchAsync(afterVersion, TimeSpan.FromSeconds(seconds)).WaitAsync(waiting.Token);
            }
            catch (OperationCanceledException)
            {
                context.Response.Headers.RetryAfter = "1";
                return Problems.Unavailable("shutting-down",
                    "This silo is shutting down; nothing was lost: ask again (another silo answers, or this one once it is back).");
            }
        }

        return task is null ? Problems.TaskNotFound(id) : TypedResults.Ok(views.From(task));
    }

    public static async Task<Results<Ok<TaskStatusView>, Problem<Status.NotFound>>> GetStatusAsync(string id, IGrainFactory grains) =>
        await FindAsync(id, grains) is { } task ? TypedResults.Ok(TaskViews.Status(task)) : Problems.TaskNotFound(id);

    public static async Task<Results<Ok<TaskResultView>, Problem<Status.NotFound>, Problem<Status.Conflict>>> GetResultAsync(string id, IGrainFactory grains, TaskViews views)
    {
        if (await FindAsync(id, grains) is not { } task)
        {
            return Problems.TaskNotFound(id);
        }

        var view = views.From(task);
        return task.Phase switch
        {
            TaskPhase.Succeeded => TypedResults.Ok(new TaskResultView(task.Id, view.Status, view.Result, task.Cached)),
            TaskPhase.Failed => Problems.Conflict("task-failed", "The task failed", $"Task {id} failed: {task.Error}"),
            TaskPhase.Cancelled => Problems.Conflict("task-cancelled", "The task was cancelled", $"Task {id} was cancelled; it has no result."),
            _ => Problems.Conflict("result-not-ready", "No result yet", $"Task {id} is {view.Status}; its result is not ready yet."),
        };
    }

    public static async Task<Results<PhysicalFileHttpResult, Problem<Status.NotFound>, Problem<Status.Conflict>>> GetFileAsync(string id, IGrainFactory grains, TaskFiles files, TaskHandlerRegistry handlers)
    {
        if (await FindAsync(id, grains) is not { } task)
        {
            return Problems.TaskNotFound(id);
        }

        if (!handlers.TryGet(task.Type, out var handler) || handler.Produces is not { } produced)
        {
            return Problems.Problem<Status.NotFound>(StatusCodes.Status404NotFound, "No file", "no-file",
                $"Task {id} is a {task.Type} task; only {string.Join(", ", handlers.Types.Where(t => handlers.Get(t).Produces is not null))} tasks produce a file.");
        }

        var path = files.Export(id);
        return task.Phase switch
        {
            TaskPhase.Succeeded when File.Exists(path) => TypedResults.PhysicalFile(path, produced.MediaType, id + produced.Extension, enableRangeProcessing: true),
            TaskPhase.Succeeded => Problems.Problem<Status.NotFound>(StatusCodes.Status404NotFound, "File missing", "file-missing",
                $"The file of task {id} is not in the files directory (Tasker:Files:Path): it was removed, or this silo does not share that directory."),
            TaskPhase.Failed => Problems.Conflict("task-failed", "The task failed", $"Task {id} failed, so it has no file: {task.Error}"),
            TaskPhase.Cancelled => Problems.Conflict("task-cancelled", "The task was cancelled", $"Task {id} was cancelled, so it has no file."),
            _ => Problems.Conflict("file-not-ready", "No file yet", $"Task {id} is {task.Phase.ToWire()}; its file is served once it has succeeded."),
        };
    }

    public static async Task<Results<ServerSentEventsResult<TaskView>, Problem<Status.NotFound>>> GetEventsAsync(
        string id, IGrainFactory grains, TaskViews views, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, grains) is not { } task)
        {
            return Problems.TaskNotFound(id);
        }

        // The stream ends when the client hangs up or the silo stops (the host waits for its requests to end).
        return TypedResults.ServerSentEvents(StreamAsync(grains.GetGrain<ITaskGrain>(id), task, views, cancellationToken, lifetime.ApplicationStopping));
    }

    private static async IAsyncEnumerable<SseItem<TaskView>> StreamAsync(
        ITaskGrain grain, TaskSnapshot task, TaskViews views, [EnumeratorCancellation] CancellationToken requestAborted, CancellationToken stopping)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, stopping);
        var cancellationToken = waiting.Token;
        yield return Event(views, task);
        while (!task.Phase.IsFinal() && !cancellationToken.IsCancellationRequested)
        {
            TaskSnapshot? next;
            try
            {
                next = await grain.WatchAsync(task.Version, TimeSpan.FromSeconds(15)).WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break; // The client hung up or the silo is stopping: the stream ends, the client may reconnect.
            }

            if (next is null)
            {
                yield break; // Deleted meanwhile.
            }

            if (next.Version != task.Version)
            {
                task = next;
                yield return Event(views, task);
            }
        }
    }

    private static SseItem<TaskView> Event(TaskViews views, TaskSnapshot task) =>
        new(views.From(task), "status") { EventId = task.Version.ToString(CultureInfo.InvariantCulture) };

    public static Task<Results<Ok<TaskView>, Problem<Status.NotFound>, Problem<Status.Conflict>>> PauseAsync(string id, IGrainFactory grains, TaskViews views) =>
        CommandAsync(id, grains, views, g => g.PauseAsync(), interrupt: true);

    public static Task<Results<Ok<TaskView>, Problem<Status.NotFound>, Problem<Status.Conflict>>> ResumeAsync(string id, IGrainFactory grains, TaskViews views) =>
        CommandAsync(id, grains, views, g => g.ResumeAsync());

    public static Task<Results<Ok<TaskView>, Problem<Status.NotFound>, Problem<Status.Conflict>>> CancelAsync(string id, IGrainFactory grains, TaskViews views) =>
        CommandAsync(id, grains, views, g => g.CancelAsync(), interrupt: true);

    public static Task<Results<Ok<TaskView>, Problem<Status.NotFound>, Problem<Status.Conflict>>> RunNowAsync(string id, IGrainFactory grains, TaskViews views) =>
        CommandAsync(id, grains, views, g => g.RunNowAsync());

    public static async Task<Results<NoContent, Problem<Status.NotFound>, Problem<Status.Conflict>>> DeleteAsync(string id, IGrainFactory grains) =>
        await SendAsync(id, grains, g => g.DeleteAsync(), interrupt: false) switch
        {
            null or { Status: TaskCommandStatus.NotFound } => Problems.TaskNotFound(id),
            { Status: TaskCommandStatus.IllegalTransition } outcome => IllegalTransition(id, outcome),
            _ => TypedResults.NoContent(),
        };

    private static async Task<Results<Ok<TaskView>, Problem<Status.NotFound>, Problem<Status.Conflict>>> CommandAsync(
        string id, IGrainFactory grains, TaskViews views, Func<ITaskGrain, Task<TaskCommandResult>> command, bool interrupt = false) =>
        await SendAsync(id, grains, command, interrupt) switch
        {
            null or { Status: TaskCommandStatus.NotFound } => Problems.TaskNotFound(id),
            { Status: TaskCommandStatus.IllegalTransition } outcome => IllegalTransition(id, outcome),
            var outcome => TypedResults.Ok(views.From(outcome.Task!)),
        };

    private static Problem<Status.Conflict> IllegalTransition(string id, TaskCommandResult outcome) =>
        Problems.Conflict("illegal-transition", "Illegal transition", outcome.Reason ?? $"Task {id} cannot do that now.");

    /// <summary>Sends a command to the task's grain; null for an id no task has.</summary>
    private static async Task<TaskCommandResult?> SendAsync(string id, IGrainFactory grains, Func<ITaskGrain, Task<TaskCommandResult>> command, bool interrupt)
    {
        if (!TaskIds.IsWellFormed(id))
        {
            return null;
        }

        var grain = grains.GetGrain<ITaskGrain>(id);
        if (interrupt)
        {
            // A chunk waiting on a call out (chat) would hold the command back for as long as the call takes.
            await grain.InterruptAsync();
        }

        return await command(grain);
    }

    private static async Task<TaskSnapshot?> FindAsync(string id, IGrainFactory grains) =>
        TaskIds.IsWellFormed(id) ? await grains.GetGrain<ITaskGrain>(id).GetAsync() : null;
}
