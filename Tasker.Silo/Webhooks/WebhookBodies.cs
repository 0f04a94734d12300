using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Tasker.Api;
using Tasker.Silo.FrontEnd;
using Tasker.Webhooks;

namespace Tasker.Silo.Webhooks;

/// <summary>
/// A delivery's body (docs/adr/036): <c>{"type":"task.succeeded","timestamp":...,"data":{...}}</c>, whose data is the
/// task view that <c>GET /tasks/{id}</c> answers, made by the same code with the same JSON settings. Made here, in the
/// host, because the view is the front end's; the grain stores the text, so every try sends the same bytes.
/// </summary>
public sealed class WebhookBodies(TaskViews views, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IWebhookBodies
{
    public string Render(TaskSnapshot task, string eventType, DateTimeOffset timestamp, int maxBytes)
    {
        var view = views.From(task);
        var body = Serialize(eventType, timestamp, view);
        if (Encoding.UTF8.GetByteCount(body) <= maxBytes)
        {
            return body;
        }

        // Too large with its result: the receiver reads it at data.links.result. Then without the parameters as well.
        body = Serialize(eventType, timestamp, view with { Result = null });
        return Encoding.UTF8.GetByteCount(body) <= maxBytes
            ? body
            : Serialize(eventType, timestamp, view with { Result = null, Params = JsonSerializer.SerializeToElement(new { }), Summary = null, FailedAttempts = null });
    }

    private string Serialize(string eventType, DateTimeOffset timestamp, TaskView view) =>
        JsonSerializer.Serialize(new WebhookEvent(eventType, timestamp, view), json.Value.SerializerOptions);
}
