using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;
using Tasker.Silo.Hosting;

namespace Tasker.Silo.Endpoints;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (the silo serves grain calls and, in cluster
/// mode, Redis and PostgreSQL answer). Not ready is a 503 with Retry-After. Anyone may ask; only a signed-in admin
/// sees each check's description, since a driver's error names internal addresses (the log has them too).
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";
    private static readonly TimeSpan _probeTimeout = TimeSpan.FromSeconds(3);

    public static IHealthChecksBuilder AddTaskerHealthChecks(this IServiceCollection services, IConfiguration configuration)
    {
        var checks = services.AddHealthChecks().AddCheck<SiloReadyCheck>("silo", tags: [ReadyTag]);
        if (TaskerModes.Detect(configuration) == TaskerMode.Cluster)
        {
            var redis = configuration.GetConnectionString("Redis")!;
            var postgres = configuration.GetConnectionString("Postgres")!;
            services.AddSingleton(new RedisProbe(new Lazy<Task<ConnectionMultiplexer>>(
                () => ConnectionMultiplexer.ConnectAsync(SiloHostingExtensions.RedisOptions(redis)))));
            checks.Add(new HealthCheckRegistration("redis", sp => new RedisCheck(sp.GetRequiredService<RedisProbe>()), HealthStatus.Unhealthy, [ReadyTag]));
            checks.Add(new HealthCheckRegistration("postgres", _ => new PostgresCheck(postgres), HealthStatus.Unhealthy, [ReadyTag]));
        }

        return checks;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync }).AllowAnonymous();
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        if (report.Status != HealthStatus.Healthy)
        {
            context.Response.Headers.RetryAfter = "5";
        }

        var admin = context.User.Identity?.IsAuthenticated == true && context.User.IsInRole(UserRoles.Admin);
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = Name(report.Status),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => admin ? (object)new { status = Name(e.Value.Status), description = e.Value.Description } : new { status = Name(e.Value.Status) }),
        }));
    }

    private static string Name(HealthStatus status) => WireName.Of(status);

    /// <summary>One shared connection for the Redis probe, made on first use.</summary>
    private sealed record RedisProbe(Lazy<Task<ConnectionMultiplexer>> Connection);

    /// <summary>Ready when a grain call round-trips: the silo is up and its storage answers.</summary>
    private sealed class SiloReadyCheck(IGrainFactory grains) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await grains.GetGrain<IProcessRegistryGrain>(0).GetTableAsync().WaitAsync(_probeTimeout, cancellationToken);
                return HealthCheckResult.Healthy("grain calls are served");
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"grain calls fail: {exception.Message}");
            }
        }
    }

    private sealed class RedisCheck(RedisProbe probe) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var multiplexer = await probe.Connection.Value.WaitAsync(_probeTimeout, cancellationToken);
                var latency = await multiplexer.GetDatabase().PingAsync().WaitAsync(_probeTimeout, cancellationToken);
                return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:0.0} ms");
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"redis does not answer: {exception.Message}");
            }
        }
    }

    private sealed class PostgresCheck(string connectionString) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_probeTimeout);
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(timeout.Token);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(timeout.Token);
                return HealthCheckResult.Healthy("SELECT 1 answered");
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"postgres does not answer: {exception.Message}");
            }
        }
    }
}
