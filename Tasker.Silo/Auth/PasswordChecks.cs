using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Tasker.Silo.Auth;

/// <summary>
/// Bounds the password hashes a silo computes at once (<see cref="SignInOptions.MaxConcurrentPasswordChecks"/>, with a
/// queue of <see cref="SignInOptions.PasswordCheckQueue"/>): a hash is slow by design, and guesses from many addresses
/// must not take every core. Beyond the queue a check is refused at once rather than queued without bound.
/// </summary>
public sealed class PasswordChecks : IDisposable
{
    /// <summary>The password checks running now on this silo (an up-down counter of meter "Tasker").</summary>
    public const string RunningInstrument = "tasker.sign_in.password_checks.running";

    /// <summary>Password checks refused because the silo was checking as many as it may (a counter of meter "Tasker").</summary>
    public const string RefusedInstrument = "tasker.sign_in.password_checks.refused";

    private readonly ConcurrencyLimiter _limiter;
    private readonly UpDownCounter<int> _running;
    private readonly Counter<long> _refused;

    public PasswordChecks(IOptions<SignInOptions> options, IMeterFactory meters)
    {
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.Value.MaxConcurrentPasswordChecks,
            QueueLimit = options.Value.PasswordCheckQueue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        var meter = meters.Create(Tasker.Tasks.TaskMetrics.MeterName);
        _running = meter.CreateUpDownCounter<int>(RunningInstrument, description: "Password hashes being computed");
        _refused = meter.CreateCounter<long>(RefusedInstrument, description: "Password checks refused: too many at once");
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="hash"/>; null when refused for too many at once.</summary>
    public async ValueTask<bool?> VerifyAsync(string user, string hash, string password, CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            _refused.Add(1);
            return null;
        }

        _running.Add(1);
        try
        {
            return Passwords.Verify(user, hash, password);
        }
        finally
        {
            _running.Add(-1);
        }
    }

    public void Dispose() => _limiter.Dispose();
}
