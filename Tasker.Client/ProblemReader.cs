using System.Text.Json;

namespace Tasker.Client;

/// <summary>Turns an error response into a <see cref="TaskerApiException"/>, reading the RFC 9457 problem when there is one.</summary>
internal static class ProblemReader
{
    private const int MaxDetailChars = 500;

    public static async Task<TaskerApiException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var fallbackTitle = response.ReasonPhrase ?? status.ToString();
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (TryParse(text) is not { } problem)
        {
            var detail = string.IsNullOrWhiteSpace(text) ? null : Truncate(text.Trim());
            return new TaskerApiException(status, fallbackTitle, detail, code: null, errors: null);
        }

        using (problem)
        {
            var root = problem.RootElement;
            return new TaskerApiException(
                status,
                String(root, "title") ?? fallbackTitle,
                String(root, "detail"),
                String(root, "code"),
                Errors(root));
        }
    }

    private static JsonDocument? TryParse(string text)
    {
        try
        {
            var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null; // Not a problem document: an HTML page from a proxy, plain text, nothing.
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Dictionary<string, string[]>? Errors(JsonElement root)
    {
        if (!root.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var field in errors.EnumerateObject())
        {
            result[field.Name] = field.Value.ValueKind switch
            {
                JsonValueKind.Array => [.. field.Value.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : m.GetRawText())],
                JsonValueKind.String => [field.Value.GetString()!],
                _ => [field.Value.GetRawText()],
            };
        }

        return result;
    }

    private static string Truncate(string text) => text.Length <= MaxDetailChars ? text : text[..MaxDetailChars] + "…";
}
