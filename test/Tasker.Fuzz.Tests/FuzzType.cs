using System.Globalization;
using System.Text.Json;

namespace Tasker.Fuzz.Tests;

/// <summary>
/// A task type as <c>GET /types</c> describes it: its name, each parameter with a valid value (JSON text), and whether
/// it is submitted as an upload.
/// </summary>
public sealed record FuzzType(string Name, IReadOnlyList<(string Name, string Valid)> Params, bool Upload)
{
    /// <summary>
    /// Valid values that keep fuzzed work cheap and local where a type's example would not (long counts, real keys,
    /// big exports), by type and parameter. Any other parameter starts from its example, or from its kind.
    /// </summary>
    private static readonly Dictionary<(string Type, string Parameter), string> _cheap = new()
    {
        [("count", "to")] = "3",
        [("count", "delay_ms")] = "1",
        [("sequence", "n")] = "5",
        [("csv-export", "from")] = "\"2010-01-01\"",
        [("csv-export", "till")] = "\"2010-02-01\"",
        [("csv-export", "chunk_rows")] = "100",
        [("csv-import", "max_bad_rows")] = "5",
        [("csv-import", "chunk_rows")] = "10",
        [("chat", "question")] = "\"hi\"",
        [("chat", "api_key")] = "\"sk-fake-valid-0123456789\"",
        [("conversation", "n")] = "2",
        [("conversation", "api_key")] = "\"sk-fake-valid-0123456789\"",
        [("shell", "command")] = "\"echo fuzz\"",
        [("shell", "timeout_s")] = "5",
    };

    /// <summary>The types of a <c>GET /types</c> answer; a file parameter is left to the upload generator.</summary>
    public static IReadOnlyList<FuzzType> From(JsonElement types) =>
    [
        .. types.EnumerateArray().Select(type =>
        {
            var name = type.GetProperty("type").GetString()!;
            return new FuzzType(name, [
                .. type.GetProperty("parameters").EnumerateArray()
                    .Where(p => p.GetProperty("kind").GetString() != "file")
                    .Select(p => (p.GetProperty("name").GetString()!, Valid(name, p))),
            ], type.GetProperty("upload").GetBoolean());
        }),
    ];

    private static string Valid(string type, JsonElement parameter)
    {
        var name = parameter.GetProperty("name").GetString()!;
        if (_cheap.TryGetValue((type, name), out var cheap))
        {
            return cheap;
        }

        var example = parameter.TryGetProperty("example", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        return parameter.GetProperty("kind").GetString() switch
        {
            "number" or "int" => example
                ?? (parameter.TryGetProperty("min", out var min) && min.ValueKind == JsonValueKind.Number
                    ? min.GetInt64().ToString(CultureInfo.InvariantCulture)
                    : "1"),
            _ => JsonSerializer.Serialize(example ?? "x"),
        };
    }
}
