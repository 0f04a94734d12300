using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Tasker.Silo.Auth;
using Tasker.Users;

namespace Tasker.Silo.Hosting;

/// <summary>Users, authentication, authorization and CORS of the front end (docs/adr/015).</summary>
public static class AuthExtensions
{
    /// <summary>Only admins: user management, process status, the Orleans dashboard. Everyone when authentication is off.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>Any signed-in user, even when authentication is off (the old system 003's routes always ask).</summary>
    public const string SignedInPolicy = "signed-in";

    public static WebApplicationBuilder AddTaskerAuth(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var authMode = ResolveMode(configuration);
        var enabled = authMode.Enabled;
        var services = builder.Services;
        services.AddSingleton(authMode);
        services.AddValidatedOptions<AuthOptions>(AuthOptions.SectionName);

        services.AddMemoryCache();
        services.AddSingleton<CredentialVerifier>();
        services.AddTaskerSignInLimits();
        services.AddHostedService<UserBootstrap>();
        services.AddAuthentication(TaskerAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TaskerAuthenticationHandler>(TaskerAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.RequireAssertion(context => !enabled || context.User.IsInRole(UserRoles.Admin)))
            .AddPolicy(SignedInPolicy, policy => policy.RequireAuthenticatedUser())
            .SetFallbackPolicy(enabled ? new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build() : null);

        // One limiter per silo, shared by the middleware (one permit per request) and the batch route (one per item).
        services.AddSingleton<TierRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>().Configure<TierRateLimiter>((limiter, tiers) =>
        {
            limiter.GlobalLimiter = tiers.Limiter;
            limiter.OnRejected = (rejected, cancellationToken) => TooManyRequestsAsync(rejected.HttpContext, rejected.Lease, cancellationToken);
        });

        var origins = CorsOrigins(configuration, enabled);
        services.AddCors(cors =>
        {
            if (origins.Length > 0)
            {
                cors.AddDefaultPolicy(policy =>
                {
                    _ = origins.Contains("*") ? policy.AllowAnyOrigin() : policy.WithOrigins(origins);
                    policy.AllowAnyMethod()
                        .WithHeaders("Authorization", "X-Api-Key", "Content-Type", "Idempotency-Key", "Accept")
                        .WithExposedHeaders("Location", "Retry-After", "WWW-Authenticate");
                });
            }
        });
        services.AddSingleton<BoundAddressCheck>();
        services.AddHostedService(provider => provider.GetRequiredService<BoundAddressCheck>());
        return builder;
    }

    /// <summary>
    /// The origins browsers may call from (<c>Tasker:Auth:CorsOrigins</c>): none unless configured, so that a web page
    /// the user visits cannot drive Tasker. Any origin ("*") is refused while authentication is off.
    /// </summary>
    public static string[] CorsOrigins(IConfiguration configuration, bool authenticationEnabled)
    {
        var origins = configuration.GetSection($"{AuthOptions.SectionName}:{nameof(AuthOptions.CorsOrigins)}").Get<string[]>() ?? [];
        return authenticationEnabled || !origins.Contains("*")
            ? origins
            : throw new TaskerConfigurationException(
                "Tasker:Auth:CorsOrigins \"*\" would let any web page the user visits drive this server, and authentication is off: name the origins (Tasker__Auth__CorsOrigins__0=https://...) or set Tasker__Auth__Enabled=true.");
    }

    /// <summary>
    /// Whether authentication is on: <c>Tasker:Auth:Enabled</c>, else off in embedded mode and on in cluster mode.
    /// Refuses to run without authentication on an address beyond loopback, in either mode (docs/adr/030): this reads
    /// the configuration, so that the usual mistakes stop at once; <see cref="BoundAddressCheck"/> then checks what
    /// the server actually bound.
    /// </summary>
    public static AuthMode ResolveMode(IConfiguration configuration)
    {
        var mode = TaskerModes.Detect(configuration);
        var explicitSetting = configuration.GetValue<bool?>($"{AuthOptions.SectionName}:Enabled");
        var enabled = explicitSetting ?? mode == TaskerMode.Cluster;
        if (!enabled && BeyondLoopback(configuration) is { } address)
        {
            throw new TaskerConfigurationException(
                $"{(mode == TaskerMode.Embedded ? "embedded" : "cluster")} mode without authentication listens on loopback only, and '{address}' is not loopback: listen on 127.0.0.1 or set Tasker__Auth__Enabled=true with Tasker__Auth__AdminPassword.");
        }

        return new AuthMode(enabled, mode == TaskerMode.Cluster && explicitSetting == false);
    }

    /// <summary>
    /// Without authentication, callers from this machine only; CORS when origins are configured; authentication,
    /// authorization, and the caller of every grain call made for the request.
    /// </summary>
    public static WebApplication UseTaskerAuth(this WebApplication app)
    {
        var authMode = app.Services.GetRequiredService<AuthMode>();
        if (!authMode.Enabled)
        {
            app.UseMiddleware<LocalCallerGuard>();
        }

        if (CorsOrigins(app.Configuration, authMode.Enabled).Length > 0)
        {
            app.UseCors();
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.Use(async (context, next) =>
        {
            // Grains that hold a user's data check this caller at their boundary (Caller.Current); see docs/adr/015.
            Caller.Set(AuthenticatedUser.CallerOf(context.User));
            try
            {
                await next(context);
            }
            finally
            {
                Caller.Set(null);
            }
        });
        return app;
    }

    internal static async ValueTask TooManyRequestsAsync(HttpContext context, RateLimitLease lease, CancellationToken cancellationToken)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var tier = AuthenticatedUser.TierOf(context.User);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"User '{context.User.Identity?.Name}' sent more requests per second than tier {tier} allows; retry after {retryAfter} s.",
                Extensions = { ["code"] = "rate-limited" },
            },
        });
    }

    /// <summary>
    /// The first address the usual settings (the ports settings, <c>urls</c>) ask HTTP to listen on that is not
    /// loopback, or null when all are. Other ways to give addresses (Kestrel's endpoints, code) are caught once bound.
    /// </summary>
    public static string? BeyondLoopback(IConfiguration configuration)
    {
        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            if (configuration[key] is { Length: > 0 } ports)
            {
                return $"*:{ports}"; // ASPNETCORE_HTTP_PORTS binds every address.
            }
        }

        var urls = configuration["urls"] is { Length: > 0 } configured ? configured : FrontEndExtensions.DefaultUrl;
        return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(url => !Loopback.IsUrl(url));
    }
}
