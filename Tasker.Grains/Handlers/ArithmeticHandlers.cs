using System.Text.Json;
using Tasker.Numbers;

namespace Tasker.Handlers;

/// <summary><c>sum2</c>: first + second, exactly.</summary>
public sealed class Sum2Handler : IInstantTaskHandler
{
    public string Type => "sum2";

    public string Description => "first + second, as exact decimals";

    public bool Cacheable => true;

    public IReadOnlyList<ParameterFact> Parameters { get; } =
        [new("first", ParameterKind.Number, Example: "1"), new("second", ParameterKind.Number, Example: "2")];

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        var first = reader.Decimal("first");
        var second = reader.Decimal("second");
        var check = reader.Complete();
        return check.IsValid && !ExactDecimal.TryAdd(first, second, out _)
            ? Overflow()
            : check;
    }

    public string Execute(string parametersJson)
    {
        var parameters = CanonicalParameters.Parse(parametersJson);
        return ExactDecimal.TryAdd(CanonicalParameters.Decimal(parameters, "first"), CanonicalParameters.Decimal(parameters, "second"), out var sum)
            ? ExactDecimal.ToCanonical(sum)
            : throw new OverflowException("The sum does not fit an exact decimal.");
    }

    internal static ParameterCheck Overflow() =>
        new(null, new Dictionary<string, string[]> { ["params"] = ["the result overflows: it does not fit an exact decimal (28 significant digits)"] });
}

/// <summary><c>mult3</c>: first × second × third, exactly.</summary>
public sealed class Mult3Handler : IInstantTaskHandler
{
    public string Type => "mult3";

    public string Description => "first × second × third, as exact decimals";

    public bool Cacheable => true;

    public IReadOnlyList<ParameterFact> Parameters { get; } =
        [new("first", ParameterKind.Number, Example: "2"), new("second", ParameterKind.Number, Example: "3"), new("third", ParameterKind.Number, Example: "7")];

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        ReadOnlySpan<decimal> factors = [reader.Decimal("first"), reader.Decimal("second"), reader.Decimal("third")];
        var check = reader.Complete();
        return check.IsValid && !ExactDecimal.TryMultiply(factors, out _) ? Sum2Handler.Overflow() : check;
    }

    public string Execute(string parametersJson)
    {
        var parameters = CanonicalParameters.Parse(parametersJson);
        ReadOnlySpan<decimal> factors =
        [
            CanonicalParameters.Decimal(parameters, "first"),
            CanonicalParameters.Decimal(parameters, "second"),
            CanonicalParameters.Decimal(parameters, "third"),
        ];
        return ExactDecimal.TryMultiply(factors, out var product)
            ? ExactDecimal.ToCanonical(product)
            : throw new OverflowException("The product does not fit an exact decimal.");
    }
}
