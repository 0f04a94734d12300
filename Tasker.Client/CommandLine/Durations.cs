using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;

namespace Tasker.Client.CommandLine;

/// <summary>Durations and times as people type them on a command line: 90s, 5m, 2h, 1d, PT5M; times with their offset.</summary>
public static partial class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        if (Short().Match(text) is { Success: true } match)
        {
            var amount = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            duration = match.Groups["unit"].Value switch
            {
                "d" => TimeSpan.FromDays(amount),
                "h" => TimeSpan.FromHours(amount),
                "m" => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromSeconds(amount),
            };
            return true;
        }

        if (!text.StartsWith('P'))
        {
            return false;
        }

        try
        {
            duration = XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>A time with its offset (Z or ±hh:mm); one without is refused rather than guessed.</summary>
    public static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        return WithOffset().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    [GeneratedRegex(@"^(?<n>\d{1,7}(\.\d{1,3})?)(?<unit>s|m|h|d)?$")]
    private static partial Regex Short();

    [GeneratedRegex(@"([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex WithOffset();
}
