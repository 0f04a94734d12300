using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Tasker.Silo.FrontEnd;

/// <summary>Reads a bounded JSON object body, turning each way it can be wrong into a problem that names it.</summary>
public static class JsonBody
{
    private static readonly JsonDocumentOptions _options = new() { MaxDepth = 32, AllowDuplicateProperties = false };

    /// <summary>The parsed document (caller disposes), or the problem to answer with; its root is of <paramref name="kind"/>.</summary>
    /// <param name="acceptEscapedQuotes">
    /// Also accept a body whose quotes are all written <c>\"</c>, as a shell sends <c>-d '{\"a\":1}'</c> (system 000's
    /// README documents its requests so): a body that is not JSON as sent, but is once each <c>\"</c> is a quote.
    /// </param>
    public static async Task<Outcome<JsonDocument, Status.Body>> ReadObjectAsync(
        HttpRequest request, long limit, string expected, CancellationToken cancellationToken, bool acceptEscapedQuotes = false,
        JsonValueKind kind = JsonValueKind.Object)
    {
        if (!IsJson(request.ContentType))
        {
            return Problems.Problem<Status.Body>(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "unsupported-media-type",
                $"The body must be JSON (Content-Type: application/json), not '{request.ContentType ?? "none"}'.");
        }

        var body = await ReadBoundedAsync(request, limit, cancellationToken);
        if (body is null)
        {
            return Problems.Problem<Status.Body>(StatusCodes.Status413PayloadTooLarge, "Request body too large", "body-too-large",
                $"The body is larger than the limit of {limit} bytes.");
        }

        var document = Parse(body.Value, out var error);
        if (document is null && acceptEscapedQuotes && Unescaped(body.Value) is { } unescaped)
        {
            document = Parse(unescaped, out _);
        }

        if (document is null)
        {
            return Problems.BadRequest("malformed-json", "Malformed JSON", $"The body is not valid JSON: {error}").As<Status.Body>();
        }

        if (!HasValidText(document.RootElement))
        {
            document.Dispose();
            return Problems.BadRequest("malformed-json", "Malformed JSON",
                "The body is not valid JSON text: a string or property name holds invalid UTF-8 or an unpaired surrogate escape (e.g. \\uD800).").As<Status.Body>();
        }

        if (document.RootElement.ValueKind != kind)
        {
            var found = Describe(document.RootElement.ValueKind);
            document.Dispose();
            return Problems.BadRequest("invalid-request", "The request is invalid",
                $"The body must be {(kind == JsonValueKind.Array ? "a JSON array of" : "a JSON object with")} {expected}, not {found}.").As<Status.Body>();
        }

        return document;
    }

    private static JsonDocument? Parse(ReadOnlyMemory<byte> body, out string? error)
    {
        try
        {
            error = null;
            return JsonDocument.Parse(body, _options);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            error = exception.Message;
            return null;
        }
    }

    /// <summary>The body with each <c>\"</c> made a quote, when it opens as an object whose first name is written so; else null.</summary>
    private static byte[]? Unescaped(ReadOnlyMemory<byte> body)
    {
        var text = Encoding.UTF8.GetString(body.Span).Trim();
        return text.StartsWith("{\\\"", StringComparison.Ordinal)
            ? Encoding.UTF8.GetBytes(text.Replace("\\\"", "\"", StringComparison.Ordinal))
            : null;
    }

    /// <summary>True when the request carries a body (a GET may, and some old systems' GETs do).</summary>
    public static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>True for application/json and any +json media type.</summary>
    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Value is { } value
        && (value.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || value.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>Names a JSON kind for an error message ("a string", "an array").</summary>
    public static string Describe(JsonValueKind kind) => Handlers.ParameterReader.Describe(kind);

    /// <summary>A string field: null when absent (with an error if required) or of the wrong kind.</summary>
    public static string? ReadString(JsonElement root, string name, IDictionary<string, string[]> errors, bool required)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors[name] = [$"{name} is required"];
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors[name] = [$"{name} must be a string, not {Describe(value.ValueKind)}"];
            return null;
        }

        var text = value.GetString();
        if (string.IsNullOrEmpty(text))
        {
            errors[name] = [$"{name} must not be empty"];
            return null;
        }

        return text;
    }

    /// <summary>Errors for every field not in <paramref name="fields"/>.</summary>
    public static void RejectUnknownFields(JsonElement root, IReadOnlyCollection<string> fields, IDictionary<string, string[]> errors, string what)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!fields.Contains(property.Name))
            {
                errors[property.Name] = [$"{property.Name} is not a field of {what} (expected: {string.Join(", ", fields)})"];
            }
        }
    }

    /// <summary>
    /// True when every string and property name decodes to UTF-16. The parser does not check this (it decodes lazily),
    /// so without this walk a lone surrogate escape or a bad UTF-8 byte would throw later, in whatever reads the field.
    /// </summary>
    private static bool HasValidText(JsonElement element)
    {
        try
        {
            Decode(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        static void Decode(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        Decode(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Decode(item);
                    }

                    break;
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
                default:
                    break;
            }
        }
    }

    private static async Task<ReadOnlyMemory<byte>?> ReadBoundedAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, limit) + 1);
        while (true)
        {
            var read = await request.Body.ReadAsync(buffer.GetMemory(4096), cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenMemory;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                return null;
            }
        }
    }
}
