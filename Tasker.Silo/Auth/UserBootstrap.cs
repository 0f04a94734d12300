using Microsoft.Extensions.Options;
using Tasker.Users;

namespace Tasker.Silo.Auth;

/// <summary>
/// At start-up, after the silo: makes sure the configured first admin exists with the configured password and key,
/// and (when asked) the old system 003's demo users. Idempotent: run on every start by every silo, it changes only
/// what differs from the configuration.
/// </summary>
public sealed partial class UserBootstrap(
    IGrainFactory grains, IOptions<AuthOptions> options, AuthMode mode, ILogger<UserBootstrap> logger) : IHostedService
{
    /// <summary>003's users, as its README lists them: name, password, tier, roles.</summary>
    private static readonly (string Name, string Password, string Tier, string[] Roles)[] _demoUsers =
    [
        ("test", "test", "free", []),
        ("user1", "user1", "paid", []),
        ("flashnot", "zxc", "paid", [UserRoles.Admin]),
    ];

    // A silo restarted on the address of one that died without leaving meets, for some seconds, a cluster that still
    // routes to the dead one: its first grain calls fail with the cluster's own errors. Retried, not fatal at start.
    private const int MaxAttempts = 30;
    private static readonly TimeSpan _retryPause = TimeSpan.FromSeconds(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (mode.ExplicitlyOffInCluster)
        {
            AuthOffInCluster(logger);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await EnsureUsersAsync();
                return;
            }
            catch (Exception exception) when (Tasker.Storage.Outages.IsOutage(exception) && attempt < MaxAttempts)
            {
                ClusterNotReady(logger, attempt, exception.GetType().Name, exception.Message);
                await Task.Delay(_retryPause, cancellationToken);
            }
        }
    }

    private async Task EnsureUsersAsync()
    {
        var auth = options.Value;

        var adminPassword = string.IsNullOrEmpty(auth.AdminPassword) ? null : auth.AdminPassword;
        if (adminPassword is not null || !string.IsNullOrEmpty(auth.AdminApiKey))
        {
            await EnsureUserAsync(auth.AdminName, adminPassword, TiersOptions.DefaultTier, [UserRoles.Admin], keepTier: true);
            if (auth.AdminApiKey is { Length: > 0 } key)
            {
                await EnsureConfiguredKeyAsync(auth.AdminName, key);
            }

            AdminReady(logger, auth.AdminName);
        }
        else if (mode.Enabled)
        {
            NoAdminConfigured(logger);
        }

        if (auth.DemoUsers)
        {
            foreach (var (name, password, tier, roles) in _demoUsers)
            {
                await EnsureUserAsync(name, password, tier, roles, keepTier: false);
            }

            DemoUsersReady(logger);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnsureUserAsync(string name, string? password, string tier, string[] roles, bool keepTier)
    {
        var grain = grains.GetGrain<IUserGrain>(name);
        var user = await grain.GetAsync();
        var wantedTier = keepTier && user is not null ? user.Tier : tier;
        var wantedRoles = (user?.Roles ?? []).Union(roles, StringComparer.Ordinal).ToList();
        var passwordCurrent = password is null || (user?.PasswordHash is { } hash && Passwords.Verify(name, hash, password));
        if (user is not null && passwordCurrent && user.Tier == wantedTier && wantedRoles.Count == user.Roles.Count)
        {
            return;
        }

        await grain.SaveAsync(new UserUpdate(wantedTier, wantedRoles, passwordCurrent ? null : Passwords.Hash(name, password!)));
    }

    private async Task EnsureConfiguredKeyAsync(string name, string key)
    {
        var grain = grains.GetGrain<IUserGrain>(name);
        var hash = ApiKeys.Hash(key);
        if (await grains.GetGrain<IApiKeyGrain>(hash).FindAsync() is { } binding && binding.User == name && binding.KeyId == ApiKeys.ConfiguredKeyId
            && (await grain.GetAsync())?.Keys.Any(k => k.Id == ApiKeys.ConfiguredKeyId) == true)
        {
            return;
        }

        await grain.RemoveKeyAsync(ApiKeys.ConfiguredKeyId); // A key configured before, now replaced.
        await grain.AddKeyAsync(ApiKeys.ConfiguredKeyId, hash, "Tasker:Auth:AdminApiKey");
    }
}

/// <summary>Whether authentication is on in this process, as resolved at start-up from the configuration and the mode.</summary>
/// <param name="Enabled">Every route but health, metrics and the API description needs a signed-in user.</param>
/// <param name="ExplicitlyOffInCluster">Cluster mode with authentication switched off by configuration (warned about).</param>
public sealed record AuthMode(bool Enabled, bool ExplicitlyOffInCluster);
