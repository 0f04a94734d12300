using System.Globalization;
using System.Numerics;

namespace Tasker.Numbers;

/// <summary>
/// Exact decimal arithmetic: every value is parsed, added and multiplied without rounding, and an answer
/// that <see cref="decimal"/> cannot hold exactly is refused rather than rounded or wrapped.
/// </summary>
public static class ExactDecimal
{
    private const int MaxScale = 28;
    private static readonly BigInteger _maxMantissa = (BigInteger.One << 96) - 1;

    /// <summary>Parses a JSON number's text exactly; false when it is not a number or not exactly representable.</summary>
    public static bool TryParse(string text, out decimal value)
    {
        value = 0;
        var span = text.AsSpan().Trim();
        var negative = span.StartsWith("-");
        if (negative)
        {
            span = span[1..];
        }

        var exponentAt = span.IndexOfAny('e', 'E');
        var exponent = 0;
        if (exponentAt >= 0)
        {
            if (!int.TryParse(span[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)
                || Math.Abs(exponent) > 400)
            {
                return false;
            }

            span = span[..exponentAt];
        }

        var pointAt = span.IndexOf('.');
        var integerPart = pointAt >= 0 ? span[..pointAt] : span;
        var fractionPart = pointAt >= 0 ? span[(pointAt + 1)..] : [];
        if (integerPart.IsEmpty || !IsDigits(integerPart) || !IsDigits(fractionPart) || (pointAt >= 0 && fractionPart.IsEmpty))
        {
            return false;
        }

        if (integerPart.Length + fractionPart.Length > 400)
        {
            return false;
        }

        var mantissa = BigInteger.Parse(string.Concat(integerPart, fractionPart), NumberStyles.None, CultureInfo.InvariantCulture);
        return TryCreate(negative ? -mantissa : mantissa, fractionPart.Length - exponent, out value);
    }

    /// <summary>The exact sum, or false when it does not fit a decimal.</summary>
    public static bool TryAdd(decimal left, decimal right, out decimal sum)
    {
        var (m1, s1) = Decompose(left);
        var (m2, s2) = Decompose(right);
        var scale = Math.Max(s1, s2);
        var exact = (m1 * BigInteger.Pow(10, scale - s1)) + (m2 * BigInteger.Pow(10, scale - s2));
        return TryCreate(exact, scale, out sum);
    }

    /// <summary>The exact product, or false when it does not fit a decimal.</summary>
    public static bool TryMultiply(ReadOnlySpan<decimal> factors, out decimal product)
    {
        var mantissa = BigInteger.One;
        var scale = 0;
        foreach (var factor in factors)
        {
            var (m, s) = Decompose(factor);
            mantissa *= m;
            scale += s;
        }

        return TryCreate(mantissa, scale, out product);
    }

    /// <summary>The canonical text of a value: no exponent, no trailing zeros ("7919.0" → "7919").</summary>
    public static string ToCanonical(decimal value)
    {
        var (m, s) = Decompose(value);
        TryCreate(m, s, out var normalized);
        return normalized.ToString(CultureInfo.InvariantCulture);
    }

    private static bool IsDigits(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    private static (BigInteger Mantissa, int Scale) Decompose(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        var scale = (bits[3] >> 16) & 0xFF;
        return (bits[3] < 0 ? -mantissa : mantissa, scale);
    }

    /// <summary>Builds mantissa × 10^-scale exactly, normalised (trailing zeros removed).</summary>
    private static bool TryCreate(BigInteger mantissa, int scale, out decimal value)
    {
        value = 0;
        if (mantissa.IsZero)
        {
            return true;
        }

        while (scale > 0 && BigInteger.Remainder(mantissa, 10).IsZero)
        {
            mantissa /= 10;
            scale--;
        }

        if (scale < 0)
        {
            if (-scale > 40)
            {
                return false;
            }

            mantissa *= BigInteger.Pow(10, -scale);
            scale = 0;
        }

        var magnitude = BigInteger.Abs(mantissa);
        if (scale > MaxScale || magnitude > _maxMantissa)
        {
            return false;
        }

        var lo = (int)(uint)(magnitude & uint.MaxValue);
        var mid = (int)(uint)((magnitude >> 32) & uint.MaxValue);
        var hi = (int)(uint)((magnitude >> 64) & uint.MaxValue);
        value = new decimal(lo, mid, hi, mantissa.Sign < 0, (byte)scale);
        return true;
    }
}
