using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tasker.Silo.Auth;

namespace Tasker.Silo.Tests.Security;

/// <summary>
/// Guessing passwords and keys behind the reverse proxy (docs/adr/031): each test sends what an attacker would, and
/// asserts that the attacker is slowed down or refused while the rightful users still sign in.
/// </summary>
public sealed class SignInAttackTests(SignInApiFixture api) : IClassFixture<SignInApiFixture>
{
    private const int Burst = SignInApiFixture.AddressFailureBurst;

    [Fact]
    public async Task Wrong_API_keys_from_one_client_behind_the_proxy_do_not_stop_a_right_key_from_another_client()
    {
        using var attacker = api.ThroughProxy(SignInApiFixture.NewAddress());
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            SignInApiFixture.SignInWithKey(attacker, $"tsk_{i:x12}_not-the-key-{Guid.NewGuid():N}");
            statuses.Add((await attacker.GetJsonAsync("/tasks")).Status);
        }

        Assert.All(statuses.Take(Burst), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(statuses.Skip(Burst), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));

        // Another client of the same proxy: the attacker's failures are not its own.
        using var rightful = api.ThroughProxy(SignInApiFixture.NewAddress());
        SignInApiFixture.SignInWithKey(rightful, SignInApiFixture.AdminApiKey);
        Assert.Equal(HttpStatusCode.OK, (await rightful.GetJsonAsync("/users")).Status);
    }

    [Fact]
    public async Task Wrong_passwords_from_one_address_are_refused_after_the_burst_for_every_name_while_the_user_signs_in_from_another()
    {
        var (name, password) = await api.NewUserAsync("guessed");
        using var attacker = api.ThroughProxy(SignInApiFixture.NewAddress());
        SignInApiFixture.SignInAs(attacker, name, "wrong-password");
        for (var i = 0; i < Burst; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.GetJsonAsync("/tasks")).Status);
        }

        using (var throttled = await attacker.GetAsync("/tasks"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            Assert.Equal("application/problem+json", throttled.Content.Headers.ContentType?.MediaType);
            Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
            var problem = await throttled.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("sign-in-throttled", problem.GetProperty("code").GetString());
        }

        // That address is refused unchecked whatever it tries next: another name, or even the right password.
        SignInApiFixture.SignInAs(attacker, $"other-{Guid.NewGuid():N}"[..20], "another-guess");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.GetJsonAsync("/tasks")).Status);
        SignInApiFixture.SignInAs(attacker, name, password);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.GetJsonAsync("/tasks")).Status);

        using var user = api.ThroughProxy(SignInApiFixture.NewAddress());
        SignInApiFixture.SignInAs(user, name, password);
        Assert.Equal(HttpStatusCode.OK, (await user.GetJsonAsync("/tasks")).Status);
    }

    [Fact]
    public async Task X_Forwarded_For_from_a_caller_that_is_not_a_known_proxy_is_ignored_so_it_cannot_dodge_the_throttle()
    {
        var attacker = SignInApiFixture.NewAddress();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < Burst + 5; i++)
        {
            // A new claimed address and a new user name for every guess.
            using var http = api.From(attacker, forwardedFor: SignInApiFixture.NewAddress());
            SignInApiFixture.SignInAs(http, $"name-{Guid.NewGuid():N}"[..20], "a-guess");
            statuses.Add((await http.GetJsonAsync("/tasks")).Status);
        }

        Assert.All(statuses.Take(Burst), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(statuses.Skip(Burst), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }

    [Fact]
    public async Task A_caller_that_is_not_a_known_proxy_cannot_get_someone_elses_address_throttled_by_claiming_it()
    {
        var (name, password) = await api.NewUserAsync("claimed");
        var victim = SignInApiFixture.NewAddress();
        using var attacker = api.From(SignInApiFixture.NewAddress(), forwardedFor: victim);
        SignInApiFixture.SignInAs(attacker, $"name-{Guid.NewGuid():N}"[..20], "a-guess");
        for (var i = 0; i < Burst * 2; i++)
        {
            await attacker.GetJsonAsync("/tasks");
        }

        using var user = api.ThroughProxy(victim);
        SignInApiFixture.SignInAs(user, name, password);
        Assert.Equal(HttpStatusCode.OK, (await user.GetJsonAsync("/tasks")).Status);
    }

    [Fact]
    public async Task Guessing_one_users_password_from_many_addresses_slows_its_sign_ins_down_but_never_refuses_them()
    {
        var (name, password) = await api.NewUserAsync("spread");
        for (var i = 0; i < SignInApiFixture.UserFailureBurst + 3; i++)
        {
            using var attacker = api.ThroughProxy(SignInApiFixture.NewAddress());
            SignInApiFixture.SignInAs(attacker, name, $"guess-{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.GetJsonAsync("/tasks")).Status);
        }

        using var user = api.ThroughProxy(SignInApiFixture.NewAddress());
        SignInApiFixture.SignInAs(user, name, password);
        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await user.GetJsonAsync("/tasks")).Status);
        Assert.True(clock.Elapsed >= SignInApiFixture.UserFailureDelay * 0.9, $"signed in after {clock.Elapsed}: not slowed down");
    }

    [Fact]
    public async Task Concurrent_wrong_passwords_with_made_up_names_never_hash_more_than_the_cap_at_once_and_the_excess_get_a_503_problem()
    {
        var meters = api.Services.GetRequiredService<IMeterFactory>();
        var running = 0;
        var peak = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == PasswordChecks.RunningInstrument)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, delta, _, _) =>
        {
            var now = Interlocked.Add(ref running, delta);
            for (var seen = Volatile.Read(ref peak); now > seen; seen = Volatile.Read(ref peak))
            {
                Interlocked.CompareExchange(ref peak, now, seen);
            }
        });
        listener.Start();

        // From as many addresses as requests, so that no address runs out of failures: only the cap stands in the way.
        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(async _ =>
        {
            using var http = api.ThroughProxy(SignInApiFixture.NewAddress());
            SignInApiFixture.SignInAs(http, $"made-up-{Guid.NewGuid():N}"[..24], "a-guess");
            using var response = await http.GetAsync("/tasks");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (response.StatusCode, Code: body.GetProperty("code").GetString(), response.Headers.RetryAfter?.Delta);
        })).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, Volatile.Read(ref peak));
        Assert.All(responses, r => Assert.True(
            r is (HttpStatusCode.Unauthorized, "invalid-credentials", _) or (HttpStatusCode.ServiceUnavailable, "sign-in-busy", not null),
            $"{(int)r.StatusCode} {r.Code} Retry-After {r.Delta}"));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Unauthorized);
    }
}
