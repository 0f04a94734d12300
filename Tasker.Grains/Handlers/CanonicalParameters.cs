using System.Text.Json;
using Tasker.Numbers;

namespace Tasker.Handlers;

/// <summary>Reads values back from canonical parameter JSON (already validated, so failures are bugs).</summary>
internal static class CanonicalParameters
{
    public static decimal Decimal(JsonElement parameters, string name) =>
        ExactDecimal.TryParse(parameters.GetProperty(name).GetRawText(), out var value)
            ? value
            : throw new InvalidOperationException($"Canonical parameter {name} is not an exact decimal.");

    public static long Integer(JsonElement parameters, string name) => parameters.GetProperty(name).GetInt64();

    public static string Text(JsonElement parameters, string name) => parameters.GetProperty(name).GetString() ?? "";

    public static JsonElement Parse(string parametersJson)
    {
        using var document = JsonDocument.Parse(parametersJson);
        return document.RootElement.Clone();
    }
}
