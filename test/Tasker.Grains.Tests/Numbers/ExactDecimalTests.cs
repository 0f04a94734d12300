using Tasker.Numbers;

namespace Tasker.Grains.Tests.Numbers;

public sealed class ExactDecimalTests
{
    [Theory]
    [InlineData("7919", "7919")]
    [InlineData("7919.0", "7919")]
    [InlineData("7.919e3", "7919")]
    [InlineData("79190E-1", "7919")]
    [InlineData("-0.50", "-0.5")]
    [InlineData("0.0000000000000000000000000001", "0.0000000000000000000000000001")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    public void TryParse_gives_the_same_canonical_text_for_equal_numbers(string text, string canonical)
    {
        Assert.True(ExactDecimal.TryParse(text, out var value));
        Assert.Equal(canonical, ExactDecimal.ToCanonical(value));
    }

    [Theory]
    [InlineData("79228162514264337593543950336")]
    [InlineData("1e29")]
    [InlineData("1e400")]
    [InlineData("1e-29")]
    [InlineData("0.00000000000000000000000000001")]
    [InlineData("abc")]
    [InlineData("1.")]
    [InlineData("")]
    public void TryParse_refuses_what_a_decimal_cannot_hold_exactly(string text) =>
        Assert.False(ExactDecimal.TryParse(text, out _));

    [Fact]
    public void TryAdd_refuses_an_overflow_instead_of_wrapping()
    {
        Assert.False(ExactDecimal.TryAdd(decimal.MaxValue, 1m, out _));
        Assert.True(ExactDecimal.TryAdd(decimal.MaxValue, -1m, out var sum));
        Assert.Equal(decimal.MaxValue - 1m, sum);
    }

    [Fact]
    public void TryAdd_refuses_a_sum_that_would_be_rounded()
    {
        // 10^28 + 0.1 needs 30 significant digits.
        Assert.False(ExactDecimal.TryAdd(10_000_000_000_000_000_000_000_000_000m, 0.1m, out _));
    }

    [Fact]
    public void TryMultiply_is_exact_or_refuses()
    {
        Assert.True(ExactDecimal.TryMultiply([0.1m, 0.2m, 3m], out var product));
        Assert.Equal("0.06", ExactDecimal.ToCanonical(product));
        Assert.False(ExactDecimal.TryMultiply([1e20m, 1e20m, 1m], out _));
        Assert.False(ExactDecimal.TryMultiply([0.00000000000001m, 0.00000000000001m, 0.1m], out _));
    }
}
