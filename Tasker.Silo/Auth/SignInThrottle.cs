using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Tasker.Silo.Auth;

/// <summary>
/// Slows down guessing: after <see cref="AuthOptions.MaxFailedSignInsPerMinute"/> failed sign-ins from one address
/// for one user name (or with API keys) within a minute, this silo refuses that pair's sign-ins without checking them
/// (429 with Retry-After) until the minute is over; credentials already verified (cached) still pass. Refusing without
/// checking also keeps password hashing from being a way to burn the silo's CPU. Keyed by address and name.
/// </summary>
public sealed class SignInThrottle(IOptions<AuthOptions> options, TimeProvider clock)
{
    private const int MaxTracked = 100_000;
    private static readonly TimeSpan _window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Window> _failures = new(StringComparer.Ordinal);

    /// <summary>How long until <paramref name="key"/> may try again, or null when it may now.</summary>
    public TimeSpan? RetryAfter(string key)
    {
        var now = clock.GetUtcNow();
        if (_failures.TryGetValue(key, out var window) && window.Start + _window > now && window.Count >= options.Value.MaxFailedSignInsPerMinute)
        {
            return window.Start + _window - now;
        }

        return null;
    }

    public void Failed(string key)
    {
        var now = clock.GetUtcNow();
        if (_failures.Count >= MaxTracked)
        {
            foreach (var (tracked, old) in _failures)
            {
                if (old.Start + _window <= now)
                {
                    _failures.TryRemove(tracked, out _);
                }
            }
        }

        _failures.AddOrUpdate(key, _ => new Window(now, 1), (_, w) => w.Start + _window <= now ? new Window(now, 1) : w with { Count = w.Count + 1 });
    }

    private sealed record Window(DateTimeOffset Start, int Count);
}
