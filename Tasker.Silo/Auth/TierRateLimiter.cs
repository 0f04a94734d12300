using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Tasker.Users;

namespace Tasker.Silo.Auth;

/// <summary>
/// Each signed-in user's requests per second, as its tier allows (docs/adr/015): a token bucket per user and tier. The
/// rate-limiting middleware takes one permit per request; a batch takes one more per item beyond the first, so that a
/// batch of N counts as N requests. Admins, and everyone when authentication is off (loopback), are not limited.
/// </summary>
public sealed class TierRateLimiter : IDisposable
{
    private readonly IOptions<TiersOptions> _options;

    public TierRateLimiter(IOptions<TiersOptions> options)
    {
        Limiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (AuthenticatedUser.CallerOf(context.User) is not { IsAdmin: false } caller)
            {
                return RateLimitPartition.GetNoLimiter("");
            }

            var tierName = AuthenticatedUser.TierOf(context.User) ?? TiersOptions.DefaultTier;
            return RateLimitPartition.GetTokenBucketLimiter($"{caller.Name}\n{tierName}", _ =>
            {
                var perSecond = PerSecond(options.Value, tierName);
                return new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                };
            });
        });
        _options = options;
    }

    public PartitionedRateLimiter<HttpContext> Limiter { get; }

    /// <summary>Takes <paramref name="permits"/> more for the caller of <paramref name="context"/> (at most <see cref="MaxBatch"/>).</summary>
    public RateLimitLease TakeMore(HttpContext context, int permits) => Limiter.AttemptAcquire(context, Math.Max(0, permits));

    /// <summary>The items a batch of this caller may hold: its tier's requests per second, or any number when not limited.</summary>
    public int? MaxBatch(HttpContext context) =>
        AuthenticatedUser.CallerOf(context.User) is { IsAdmin: false }
            ? PerSecond(_options.Value, AuthenticatedUser.TierOf(context.User) ?? TiersOptions.DefaultTier)
            : null;

    public void Dispose() => Limiter.Dispose();

    private static int PerSecond(TiersOptions options, string tierName) =>
        (options.Tiers.TryGetValue(tierName, out var tier) ? tier : options.Tiers[TiersOptions.DefaultTier]).RequestsPerSecond;
}
