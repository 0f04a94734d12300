using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Tasker;

/// <summary>Task ids: 32 lower-case hex digits of a time-ordered UUID (v7), so ids sort by creation; children add ".n".</summary>
public static partial class TaskIds
{
    private static readonly Lock _gate = new();
    private static readonly UInt128 _randB = (UInt128.One << 62) - 1;
    private static UInt128 _last;

    /// <summary>A new id, later in sort order than every id this process made before it.</summary>
    /// <remarks>
    /// <see cref="Guid.CreateVersion7()"/> fills everything after the millisecond with random bits, so two ids of one
    /// millisecond sorted at random: a client's two quick submissions could list oldest first. An id not above the
    /// last one is that one's successor instead (RFC 9562, 6.2: monotonic within a generator).
    /// </remarks>
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.CreateVersion7().TryWriteBytes(bytes, bigEndian: true, out _);
        var made = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        lock (_gate)
        {
            _last = made > _last ? made : Successor(_last);
            return _last.ToString("x32", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The next UUIDv7 after <paramref name="id"/>, its version and variant kept: the 62 random bits count up,
    /// then the 12 of rand_a, then the millisecond.</summary>
    internal static UInt128 Successor(UInt128 id)
    {
        if ((id & _randB) != _randB)
        {
            return id + 1;
        }

        var randA = (ulong)(id >> 64) & 0xFFF;
        var millisecond = id >> 80;
        if (randA == 0xFFF)
        {
            randA = 0;
            millisecond++;
        }
        else
        {
            randA++;
        }

        return (millisecond << 80) | ((UInt128)0x7 << 76) | ((UInt128)randA << 64) | ((UInt128)0b10 << 62);
    }

    /// <summary>When the task of a well-formed id was made: the millisecond its time-ordered UUID carries.</summary>
    public static DateTimeOffset CreatedAt(string id) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(id.AsSpan(0, 12), NumberStyles.HexNumber, CultureInfo.InvariantCulture));

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
