using System.Text.Json;
using Tasker.Numbers;

namespace Tasker.Handlers;

/// <summary><c>sum-results</c>: the exact sum of its parents' numeric results (a flow's fan-in, docs/adr/035).</summary>
public sealed class SumResultsHandler : IFanInTaskHandler
{
    public string Type => "sum-results";

    public string Description => "the sum of the numeric results of the tasks it runs after (needs after)";

    public bool Cacheable => false;

    public IReadOnlyList<ParameterFact> Parameters { get; } = [];

    public ParameterCheck Validate(JsonElement parameters) => new ParameterReader(parameters).Complete();

    public string Execute(string parametersJson, IReadOnlyList<string> parentResults)
    {
        var sum = 0m;
        for (var i = 0; i < parentResults.Count; i++)
        {
            if (!TryReadNumber(parentResults[i], out var value))
            {
                throw new FormatException($"the result of parent {i + 1} is not a number: {Shorten(parentResults[i])}");
            }

            if (!ExactDecimal.TryAdd(sum, value, out sum))
            {
                throw new OverflowException("The sum does not fit an exact decimal.");
            }
        }

        return ExactDecimal.ToCanonical(sum);
    }

    // A number, or an object whose one field is a number (a result such as {"count": 5}).
    private static bool TryReadNumber(string json, out decimal value)
    {
        value = 0;
        using var document = JsonDocument.Parse(json);
        var element = document.RootElement;
        if (element.ValueKind == JsonValueKind.Object && element.EnumerateObject().ToList() is [var only])
        {
            element = only.Value;
        }

        return element.ValueKind == JsonValueKind.Number && ExactDecimal.TryParse(element.GetRawText(), out value);
    }

    private static string Shorten(string json) => json.Length <= 60 ? json : string.Concat(json.AsSpan(0, 60), "…");
}
