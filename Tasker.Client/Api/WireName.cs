namespace Tasker;

/// <summary>
/// An enum value's wire name, as URLs and JSON carry it: its name in lower case. The one place that names enums on the
/// wire, for the server's contracts and the client alike.
/// </summary>
public static class WireName
{
    /// <summary>The wire name of <paramref name="value"/>.</summary>
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        foreach (var (candidate, name) in Names<TEnum>.All)
        {
            if (EqualityComparer<TEnum>.Default.Equals(candidate, value))
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, null);
    }

    /// <summary>Parses a wire name (compared to the letter); false for anything else.</summary>
    public static bool TryParse<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        foreach (var (candidate, name) in Names<TEnum>.All)
        {
            if (string.Equals(name, text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    // Named once per enum type: a listing names many tasks.
    private static class Names<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly (TEnum Value, string Name)[] All =
            [.. Enum.GetValues<TEnum>().Select(v => (v, v.ToString().ToLowerInvariant()))];
    }
}
