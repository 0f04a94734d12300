using System.Net;
using System.Reflection;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Tasker.Silo.Auth;

namespace Tasker.Silo.Tests.Auth;

/// <summary>
/// Credentials that could not be checked because the cluster did not answer (a silo just died, storage is away) are
/// not failed sign-ins: an outage must not throttle every client that signs in during it.
/// </summary>
public sealed class CredentialVerifierOutageTests
{
    private static readonly IPAddress Client = IPAddress.Parse("198.51.100.7");

    [Fact]
    public async Task Sign_ins_the_cluster_could_not_check_leave_the_address_and_the_user_their_allowance()
    {
        var options = new SignInOptions { AddressFailureBurst = 2, UserFailureBurst = 1, UserFailureDelay = TimeSpan.FromMinutes(5) };
        var throttle = new SignInThrottle(Options.Create(options), new FakeTimeProvider(), NullLogger<SignInThrottle>.Instance);
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var passwords = new PasswordChecks(Options.Create(options), meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var verifier = new CredentialVerifier(UnreachableUsers.Create(), cache, throttle, passwords, Options.Create(new AuthOptions()));

        // Five times the address's burst: each attempt fails as the cluster does, none is refused as a guesser's, and
        // none waits out the user's delay (five minutes: the test would hang).
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Assert.ThrowsAsync<TimeoutException>(() => verifier.VerifyAsync(new PresentedCredentials.Basic("alice", "secret"), Client, patience.Token));
        }

        Assert.Null(throttle.TakeAddressAllowance(SignInThrottle.AddressKey(Client)));
    }

    /// <summary>A grain factory whose user grains never answer: each call fails as a call to a dead silo's grain does.</summary>
    public class UnreachableUsers : DispatchProxy
    {
        public static IGrainFactory Create() => DispatchProxy.Create<IGrainFactory, UnreachableUsers>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod is { Name: nameof(IGrainFactory.GetGrain), IsGenericMethod: true } && targetMethod.GetGenericArguments()[0] == typeof(IUserGrain)
                ? DispatchProxy.Create<IUserGrain, UnansweredUserGrain>()
                : throw new NotSupportedException($"{targetMethod?.Name} is not part of this test");
    }

    /// <summary>A user grain whose every call fails as one to a silo that has just died.</summary>
    public class UnansweredUserGrain : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == nameof(IUserGrain.GetAsync)
                ? Task.FromException<UserSnapshot?>(new TimeoutException("the silo that held the user grain did not answer"))
                : throw new NotSupportedException($"{targetMethod?.Name} is not part of this test");
    }
}
