using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Tasker.Silo.Auth;

/// <summary>
/// Slows down guessing without letting anyone lock a user out (docs/adr/031). Per client address, across all user
/// names and keys: once an address has used up <see cref="SignInOptions.AddressFailureBurst"/> failures, its sign-ins
/// are refused unchecked (429) until it earns one back. Per user name, from any addresses: once a name has used up
/// <see cref="SignInOptions.UserFailureBurst"/> failures, its sign-ins wait <see cref="SignInOptions.UserFailureDelay"/>
/// before they are checked, and are never refused for it. An attempt takes its allowance before it is checked, so
/// that concurrent guesses cannot all slip through, and gives it back unless it fails.
/// </summary>
public sealed partial class SignInThrottle
{
    private readonly FailureBuckets _addresses;
    private readonly FailureBuckets _users;
    private readonly TimeSpan _userDelay;
    private readonly TimeProvider _clock;
    private readonly ILogger<SignInThrottle> _logger;
    private long _lastFullWarning;

    public SignInThrottle(IOptions<SignInOptions> options, TimeProvider clock, ILogger<SignInThrottle> logger)
    {
        var o = options.Value;
        _addresses = new FailureBuckets(o.AddressFailureBurst, o.AddressFailuresPerMinute, o.MaxTracked, clock);
        _users = new FailureBuckets(o.UserFailureBurst, o.UserFailuresPerMinute, o.MaxTracked, clock);
        _userDelay = o.UserFailureDelay;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>
    /// What an address is counted as: an IPv4 address as it is; an IPv6 address by its /64, the block one subscriber
    /// usually has, so that a guesser cannot take a fresh address for every guess; no address (a Unix socket) as one.
    /// </summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address))
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>Takes one of the address's failures; null when it may try, else how long until it may.</summary>
    public TimeSpan? TakeAddressAllowance(string addressKey)
    {
        var (outcome, wait) = _addresses.TryTake(addressKey);
        switch (outcome)
        {
            case FailureBuckets.Take.Empty:
                return wait;
            case FailureBuckets.Take.Untracked:
                WarnFull("client addresses", _addresses.Count);
                break;
        }

        return null;
    }

    /// <summary>The attempt from the address did not fail (it signed in, or it was not checked).</summary>
    public void GiveBackAddressAllowance(string addressKey) => _addresses.GiveBack(addressKey);

    /// <summary>
    /// Takes one of the user name's failures, or when it has none left, waits <see cref="SignInOptions.UserFailureDelay"/>.
    /// True when it took one (to give back unless the attempt fails).
    /// </summary>
    public async ValueTask<bool> PaceUserAsync(string user, CancellationToken cancellationToken)
    {
        var (outcome, _) = _users.TryTake(user);
        switch (outcome)
        {
            case FailureBuckets.Take.Taken:
                return true;
            case FailureBuckets.Take.Untracked:
                WarnFull("user names", _users.Count);
                return false;
            default:
                if (_userDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_userDelay, _clock, cancellationToken);
                }

                return false;
        }
    }

    /// <summary>The attempt for the user name did not fail.</summary>
    public void GiveBackUserAllowance(string user) => _users.GiveBack(user);

    private void WarnFull(string what, int count)
    {
        // Once a minute at most: under a flood from many addresses this would otherwise be every request.
        var last = Interlocked.Read(ref _lastFullWarning);
        if ((last == 0 || _clock.GetElapsedTime(last) >= TimeSpan.FromMinutes(1)) && Interlocked.CompareExchange(ref _lastFullWarning, _clock.GetTimestamp(), last) == last)
        {
            TableFull(_logger, what, count);
        }
    }
}
