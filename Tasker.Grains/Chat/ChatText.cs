using System.Globalization;

namespace Tasker.Chat;

/// <summary>Bounds on model text before it is stored.</summary>
public static class ChatText
{
    /// <summary>
    /// The text cut to at most <paramref name="maxLength"/> characters (the last one "…" when cut), never inside a
    /// surrogate pair or a combined character.
    /// </summary>
    public static string Cap(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        var keep = maxLength - 1;
        var boundaries = StringInfo.ParseCombiningCharacters(text);
        var cut = boundaries.LastOrDefault(b => b <= keep);
        return string.Concat(text.AsSpan(0, cut), "…");
    }
}
