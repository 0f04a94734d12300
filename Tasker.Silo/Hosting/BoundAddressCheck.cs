using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Tasker.Silo.Auth;

namespace Tasker.Silo.Hosting;

/// <summary>
/// Without authentication, stops the process when the server has bound an address beyond loopback, however that
/// address was given (urls, ports, Kestrel endpoints, code): <see cref="AuthExtensions.ResolveMode"/> refuses the usual
/// settings before anything binds, this check reads what was actually bound. Until the host has stopped,
/// <see cref="LocalCallerGuard"/> refuses every connection that does not come from loopback. The entry point then
/// reports the refusal in one line with exit code 2 (<see cref="ThrowIfRefused"/>).
/// </summary>
public sealed class BoundAddressCheck(IServer server, AuthMode auth, IHostApplicationLifetime lifetime) : IHostedLifecycleService
{
    private string? _refusal;

    /// <summary>After every hosted service started, the server included: its addresses are the bound ones then.</summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // A test server binds nothing and has no addresses.
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (!auth.Enabled && addresses.FirstOrDefault(address => !Loopback.IsUrl(address)) is { } exposed)
        {
            _refusal = $"without authentication Tasker listens on loopback only, and the server bound '{exposed}', which is not loopback: listen on 127.0.0.1 (ASPNETCORE_URLS, Kestrel__Endpoints__<name>__Url) or set Tasker__Auth__Enabled=true with Tasker__Auth__AdminPassword.";
            lifetime.StopApplication(); // A graceful stop: the silo leaves and Kestrel closes its sockets.
        }

        return Task.CompletedTask;
    }

    /// <summary>Once the host has stopped: throws the <see cref="TaskerConfigurationException"/> that stopped it, if any.</summary>
    public void ThrowIfRefused()
    {
        if (_refusal is { } refusal)
        {
            throw new TaskerConfigurationException(refusal);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
