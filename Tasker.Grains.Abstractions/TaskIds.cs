using System.Text.RegularExpressions;

namespace Tasker;

/// <summary>Task ids: 32 lower-case hex digits of a time-ordered UUID (v7), so ids sort by creation; children add ".n".</summary>
public static partial class TaskIds
{
    /// <summary>A new id, later in sort order than those made before it (to the millisecond).</summary>
    public static string New() => Guid.CreateVersion7().ToString("N");

    /// <summary>When the task of a well-formed id was made: the millisecond its time-ordered UUID carries.</summary>
    public static DateTimeOffset CreatedAt(string id) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(id.AsSpan(0, 12), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>True for the shape of a task id; anything else cannot name a task.</summary>
    public static bool IsWellFormed(string? id) => id is not null && Shape().IsMatch(id);

    [GeneratedRegex(@"^[0-9a-f]{32}(\.[0-9]{1,9})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}

/// <summary>Client names: 1–64 letters, digits and <c>_ . @ -</c>, starting with a letter or digit.</summary>
public static partial class ClientNames
{
    public const string Rule = "1–64 characters: letters, digits, '_', '.', '@' or '-', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && Shape().IsMatch(name);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
