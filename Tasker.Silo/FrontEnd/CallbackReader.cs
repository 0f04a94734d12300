using System.Text.Json;
using Microsoft.Extensions.Options;
using Tasker.Silo.Webhooks;
using Tasker.Webhooks;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// Reads a request's <c>callback</c> (docs/adr/036): <c>{"url": "https://...", "events": ["succeeded", "failed", "cancelled"]}</c>;
/// events default to all three. Each bad part is an error under <c>callback</c>, <c>callback.url</c> or <c>callback.events</c>.
/// </summary>
public static class CallbackReader
{
    /// <summary>The events a callback may announce: the final phases.</summary>
    public static readonly string[] Events = [.. TaskPhases.FinalWireNames];

    private static readonly string[] _fields = ["url", "events"];

    /// <summary>The callback asked for in <paramref name="root"/>, or null (none, or a bad one: then an error says why).</summary>
    public static TaskCallback? Read(HttpContext context, JsonElement root, IDictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty("callback", out var callback) || callback.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (callback.ValueKind != JsonValueKind.Object)
        {
            errors["callback"] = [$"callback must be an object with url and events, not {JsonBody.Describe(callback.ValueKind)}"];
            return null;
        }

        foreach (var field in callback.EnumerateObject().Where(f => !_fields.Contains(f.Name, StringComparer.Ordinal)))
        {
            errors[$"callback.{field.Name}"] = [$"callback has no field '{field.Name}' (it takes url and events)"];
        }

        var allowPrivate = context.RequestServices.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivate;
        string? url = null;
        if (!callback.TryGetProperty("url", out var urlValue) || urlValue.ValueKind == JsonValueKind.Null)
        {
            errors["callback.url"] = ["callback.url is required"];
        }
        else if (urlValue.ValueKind != JsonValueKind.String)
        {
            errors["callback.url"] = [$"callback.url must be a string, not {JsonBody.Describe(urlValue.ValueKind)}"];
        }
        else if (WebhookUrls.Refusal(urlValue.GetString()!, allowPrivate) is { } refusal)
        {
            errors["callback.url"] = [$"callback.url {refusal}"];
        }
        else
        {
            url = urlValue.GetString();
        }

        var events = ReadEvents(callback, errors);
        return url is null || events is null ? null : new TaskCallback(url, events);
    }

    private static string[]? ReadEvents(JsonElement callback, IDictionary<string, string[]> errors)
    {
        if (!callback.TryGetProperty("events", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return Events;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            errors["callback.events"] = [$"callback.events must be an array of {string.Join(", ", Events)}, not {JsonBody.Describe(value.ValueKind)}"];
            return null;
        }

        var events = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !Events.Contains(item.GetString(), StringComparer.Ordinal))
            {
                errors["callback.events"] = [$"each of callback.events must be one of {string.Join(", ", Events)}"
                    + (item.ValueKind == JsonValueKind.String ? $"; '{item.GetString()}' is unknown" : "")];
                return null;
            }

            if (!events.Contains(item.GetString()!, StringComparer.Ordinal))
            {
                events.Add(item.GetString()!);
            }
        }

        if (events.Count == 0)
        {
            errors["callback.events"] = [$"callback.events must name at least one of {string.Join(", ", Events)} (or be left out for all)"];
            return null;
        }

        return [.. events];
    }
}
