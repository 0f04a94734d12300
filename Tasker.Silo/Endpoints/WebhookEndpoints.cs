using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Tasker.Api;
using Tasker.Silo.FrontEnd;
using Tasker.Silo.Webhooks;

namespace Tasker.Silo.Endpoints;

/// <summary>
/// Completion webhooks (docs/adr/036): a task's deliveries (<c>/tasks/{id}/deliveries</c>, isolated like every task route)
/// and a client's signing secret (<c>POST /users/{name}/webhook-secret</c>, the user's own or an admin's).
/// </summary>
public static class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/tasks").WithTags("Tasks");
        tasks.MapGet("/{id}/deliveries", GetDeliveriesAsync)
            .WithSummary("List a task's webhook delivery attempts")
            .WithDescription("The callback's delivery: its status (none, pending, delivered, gone, gave-up, refused), its webhook-id (the same on every try) and its latest 50 attempts, each with time, status code, duration and error.");
        tasks.MapPost("/{id}/deliveries/redeliver", RedeliverAsync)
            .WithSummary("Send a task's webhook again")
            .WithDescription("Sends the delivery again now, with the same webhook-id, and retries it as a new one. 409 while there is nothing to send (the task has not ended, or its callback does not announce this end).");
        app.MapPost("/users/{name}/webhook-secret", MakeSecretAsync)
            .WithTags("Users")
            .WithSummary("Make or rotate a client's webhook secret")
            .WithDescription("The secret (whsec_...) is in this answer only; Tasker keeps it sealed. A rotated secret still signs beside the new one for Tasker:Webhooks:PreviousSecretFor (1 day). A user makes its own; an admin any user's; with authentication off, any client name's.");
        return app;
    }

    public static async Task<Results<Ok<DeliveriesView>, Problem<Status.NotFound>>> GetDeliveriesAsync(string id, IGrainFactory grains)
    {
        if (!TaskIds.IsWellFormed(id))
        {
            return Problems.TaskNotFound(id);
        }

        // The delivery may outlive its task (kept after the task expired); the grains check the caller either way.
        if (await grains.GetGrain<IWebhookGrain>(id).GetDeliveriesAsync() is { } deliveries)
        {
            return TypedResults.Ok(View(deliveries));
        }

        return await grains.GetGrain<ITaskGrain>(id).GetAsync() is { } task
            ? TypedResults.Ok(new DeliveriesView(task.Id, task.Callback?.Url, null, null, "none", null, 0, []))
            : Problems.TaskNotFound(id);
    }

    public static async Task<Results<Accepted<DeliveriesView>, Problem<Status.NotFound>, Problem<Status.Conflict>>> RedeliverAsync(string id, IGrainFactory grains)
    {
        if (!TaskIds.IsWellFormed(id))
        {
            return Problems.TaskNotFound(id);
        }

        if (await grains.GetGrain<IWebhookGrain>(id).RedeliverAsync() is { } deliveries)
        {
            return TypedResults.Accepted($"/tasks/{id}/deliveries", View(deliveries));
        }

        if (await grains.GetGrain<ITaskGrain>(id).GetAsync() is not { } task)
        {
            return Problems.TaskNotFound(id);
        }

        var why = task.Callback is null ? "it has no callback"
            : !task.Phase.IsFinal() ? $"it is {task.Phase.ToWire()}: its end is announced when it comes"
            : $"its callback announces {string.Join(", ", task.Callback.Events)}, not {task.Phase.ToWire()}";
        return Problems.Conflict("no-delivery", "Nothing to deliver", $"Task {id} has no webhook delivery to send again: {why}.");
    }

    public static async Task<Results<Created<WebhookSecretView>, Problem<Status.Forbidden>, Problem<Status.NotFound>>> MakeSecretAsync(string name, ClaimsPrincipal user, IGrainFactory grains, WebhookSecrets secrets, HttpContext context)
    {
        if (!ClientNames.IsValid(name))
        {
            return Problems.NotFound($"There is no user '{name}'.");
        }

        if (Auth.AuthenticatedUser.CallerOf(user) is { } caller)
        {
            if (!caller.MayAccess(name))
            {
                return Problems.Problem<Status.Forbidden>(StatusCodes.Status403Forbidden, "Forbidden", "forbidden",
                    $"A user makes its own webhook secret (POST /users/{caller.Name}/webhook-secret); an admin makes any user's.");
            }

            if (await grains.GetGrain<IUserGrain>(name).GetAsync() is null)
            {
                return Problems.NotFound($"There is no user '{name}'.");
            }
        }

        var (secret, sealedSecret) = await secrets.NewAsync();
        var rotation = await grains.GetGrain<IWebhookSecretGrain>(name).RotateAsync(sealedSecret);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/users/{name}/webhook-secret", new WebhookSecretView(name, secret, rotation.CreatedAt, rotation.PreviousValidUntil));
    }

    private static DeliveriesView View(WebhookDeliveries deliveries) => new(
        deliveries.TaskId,
        deliveries.Url,
        deliveries.EventType,
        deliveries.WebhookId,
        Status(deliveries.Status),
        deliveries.NextAttemptAt,
        deliveries.AttemptCount,
        [.. deliveries.Attempts.Select(a => new DeliveryAttemptView(a.At, a.StatusCode, a.DurationMs, a.Error, a.WebhookId))]);

    private static string Status(WebhookDeliveryStatus status) => status switch
    {
        WebhookDeliveryStatus.Pending => "pending",
        WebhookDeliveryStatus.Delivered => "delivered",
        WebhookDeliveryStatus.Gone => "gone",
        WebhookDeliveryStatus.GaveUp => "gave-up",
        _ => "refused",
    };
}
