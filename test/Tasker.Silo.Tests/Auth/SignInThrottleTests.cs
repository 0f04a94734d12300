using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Tasker.Silo.Auth;

namespace Tasker.Silo.Tests.Auth;

/// <summary>The throttle's arithmetic on a clock the test moves (the attacks themselves are in Security/SignInAttackTests).</summary>
public sealed class SignInThrottleTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private SignInThrottle Throttle(int addressBurst = 3, int addressPerMinute = 6, int userBurst = 2, int maxTracked = 100) => new(
        Options.Create(new SignInOptions
        {
            AddressFailureBurst = addressBurst,
            AddressFailuresPerMinute = addressPerMinute,
            UserFailureBurst = userBurst,
            UserFailuresPerMinute = 6,
            UserFailureDelay = TimeSpan.FromSeconds(1),
            MaxTracked = maxTracked,
        }),
        _clock,
        NullLogger<SignInThrottle>.Instance);

    [Fact]
    public void An_address_that_used_its_burst_waits_exactly_until_it_earns_one_failure_back()
    {
        var throttle = Throttle();
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(throttle.TakeAddressAllowance("198.51.100.1"));
        }

        Assert.Equal(TimeSpan.FromSeconds(10), throttle.TakeAddressAllowance("198.51.100.1"));
        Assert.Null(throttle.TakeAddressAllowance("198.51.100.2"));

        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(TimeSpan.FromSeconds(1), throttle.TakeAddressAllowance("198.51.100.1"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(throttle.TakeAddressAllowance("198.51.100.1"));
        Assert.NotNull(throttle.TakeAddressAllowance("198.51.100.1"));

        // Earned back up to the burst, no further.
        _clock.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(throttle.TakeAddressAllowance("198.51.100.1"));
        }

        Assert.NotNull(throttle.TakeAddressAllowance("198.51.100.1"));
    }

    [Fact]
    public void Attempts_that_do_not_fail_give_their_allowance_back()
    {
        var throttle = Throttle();
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(throttle.TakeAddressAllowance("198.51.100.3"));
            throttle.GiveBackAddressAllowance("198.51.100.3");
        }
    }

    [Fact]
    public async Task A_user_name_with_no_failures_left_is_delayed_by_the_clock_and_never_refused()
    {
        var throttle = Throttle();
        Assert.True(await throttle.PaceUserAsync("alice", CancellationToken.None));
        Assert.True(await throttle.PaceUserAsync("alice", CancellationToken.None));

        var paced = throttle.PaceUserAsync("alice", CancellationToken.None).AsTask();
        Assert.False(paced.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(paced.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(await paced.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.True(await throttle.PaceUserAsync("bob", CancellationToken.None));
    }

    [Fact]
    public void The_addresses_tracked_are_bounded_and_expire_once_they_have_earned_their_failures_back()
    {
        var throttle = Throttle(addressBurst: 1, maxTracked: 10);
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(throttle.TakeAddressAllowance($"198.51.100.{i}"));
        }

        // The table is full: a new address is not counted (not refused), rather than the table growing.
        Assert.Null(throttle.TakeAddressAllowance("198.51.100.200"));
        Assert.Null(throttle.TakeAddressAllowance("198.51.100.200"));
        Assert.NotNull(throttle.TakeAddressAllowance("198.51.100.0"));

        // Ten seconds later every bucket is full again: dropped at the next sweep, and the newcomer is counted.
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(throttle.TakeAddressAllowance("198.51.100.200"));
        Assert.NotNull(throttle.TakeAddressAllowance("198.51.100.200"));
    }

    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("::ffff:203.0.113.9", "203.0.113.9")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("::1", "::1")]
    public void Addresses_are_counted_by_IPv4_address_and_by_IPv6_64(string address, string key) =>
        Assert.Equal(key, SignInThrottle.AddressKey(IPAddress.Parse(address)));

    [Fact]
    public void No_address_is_counted_as_one() => Assert.Equal("unknown", SignInThrottle.AddressKey(null));
}
