using System.Globalization;
using System.Text;
using System.Text.Json;
using Tasker.Numbers;

namespace Tasker.Handlers;

/// <summary>
/// Reads a task's parameters object field by field, collecting every problem (so a 400 names them all)
/// and the canonical values (so equal requests give equal cache keys).
/// </summary>
public sealed class ParameterReader
{
    private readonly JsonElement _parameters;
    private readonly Dictionary<string, string[]> _errors = [];
    private readonly SortedDictionary<string, object> _canonical = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public ParameterReader(JsonElement parameters)
    {
        _parameters = parameters;
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            Fail("params", $"must be a JSON object, not {Describe(parameters.ValueKind)}");
        }
    }

    private bool IsObject => _parameters.ValueKind == JsonValueKind.Object;

    /// <summary>A required exact decimal number.</summary>
    public decimal Decimal(string name)
    {
        if (!TryGet(name, required: true, out var element))
        {
            return 0;
        }

        if (element.ValueKind != JsonValueKind.Number)
        {
            Fail(name, $"must be a number, not {Describe(element.ValueKind)}");
            return 0;
        }

        if (!ExactDecimal.TryParse(element.GetRawText(), out var value))
        {
            Fail(name, "is outside the exact decimal range (at most 28 decimal places, magnitude below 7.9e28)");
            return 0;
        }

        _canonical[name] = value;
        return value;
    }

    /// <summary>A whole number within [min, max]; when optional and absent, the fallback.</summary>
    public long Integer(string name, long min, long max, long? fallback = null)
    {
        if (!TryGet(name, required: fallback is null, out var element))
        {
            if (fallback is { } value)
            {
                _canonical[name] = value;
                return value;
            }

            return min;
        }

        if (element.ValueKind != JsonValueKind.Number)
        {
            Fail(name, $"must be a whole number, not {Describe(element.ValueKind)}");
            return min;
        }

        if (!ExactDecimal.TryParse(element.GetRawText(), out var number) || number != decimal.Truncate(number))
        {
            Fail(name, "must be a whole number");
            return min;
        }

        if (number < min || number > max)
        {
            Fail(name, $"must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
            return min;
        }

        var whole = (long)number;
        _canonical[name] = whole;
        return whole;
    }

    /// <summary>A required string of 1 to <paramref name="maxLength"/> characters.</summary>
    public string Text(string name, int maxLength) => ReadText(name, maxLength, required: true) ?? "";

    /// <summary>An optional string of 1 to <paramref name="maxLength"/> characters: null when absent or null.</summary>
    public string? OptionalText(string name, int maxLength) => ReadText(name, maxLength, required: false);

    private string? ReadText(string name, int maxLength, bool required)
    {
        if (!TryGet(name, required, out var element))
        {
            return required ? "" : null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            Fail(name, $"must be a string, not {Describe(element.ValueKind)}");
            return "";
        }

        var text = element.GetString() ?? "";
        if (text.Length == 0 || text.Length > maxLength)
        {
            Fail(name, $"must be 1 to {maxLength.ToString(CultureInfo.InvariantCulture)} characters long");
            return "";
        }

        _canonical[name] = text;
        return text;
    }

    /// <summary>A required calendar date written YYYY-MM-DD.</summary>
    public DateOnly Date(string name)
    {
        if (!TryGet(name, required: true, out var element))
        {
            return default;
        }

        if (element.ValueKind != JsonValueKind.String
            || !DateOnly.TryParseExact(element.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            Fail(name, "must be a date written YYYY-MM-DD");
            return default;
        }

        _canonical[name] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return date;
    }

    /// <summary>Records a problem that involves a field's value together with others (e.g. a range's end before its start).</summary>
    public void Reject(string name, string message) => Fail(name, message);

    /// <summary>Finishes reading: unknown fields are errors; on success, the canonical JSON.</summary>
    public ParameterCheck Complete()
    {
        if (IsObject)
        {
            foreach (var property in _parameters.EnumerateObject())
            {
                if (!_known.Contains(property.Name))
                {
                    Fail(property.Name, $"is not a parameter of this type (expected: {string.Join(", ", _known.Order(StringComparer.Ordinal))})");
                }
            }
        }

        return _errors.Count > 0 ? new ParameterCheck(null, _errors) : new ParameterCheck(WriteCanonical(), _errors);
    }

    private bool TryGet(string name, bool required, out JsonElement element)
    {
        _known.Add(name);
        element = default;
        if (!IsObject)
        {
            return false;
        }

        if (!_parameters.TryGetProperty(name, out element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Fail(name, "is required");
            }

            return false;
        }

        return true;
    }

    private void Fail(string name, string message)
    {
        var key = name == "params" ? name : "params." + name;
        _errors[key] = _errors.TryGetValue(key, out var existing) ? [.. existing, $"{key} {message}"] : [$"{key} {message}"];
    }

    private string WriteCanonical()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in _canonical)
            {
                switch (value)
                {
                    case decimal number:
                        writer.WritePropertyName(name);
                        writer.WriteRawValue(ExactDecimal.ToCanonical(number));
                        break;
                    case long whole:
                        writer.WriteNumber(name, whole);
                        break;
                    case string text:
                        writer.WriteString(name, text);
                        break;
                    default:
                        throw new InvalidOperationException($"Unexpected canonical value for {name}.");
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Names a JSON kind for an error message ("a string", "an array").</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
