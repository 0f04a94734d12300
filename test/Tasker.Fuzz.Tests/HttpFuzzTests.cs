using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CsCheck;
using Xunit.Abstractions;

namespace Tasker.Fuzz.Tests;

/// <summary>
/// The HTTP surface under random requests (CsCheck generators, <see cref="HttpGenerators"/>) sent over real sockets
/// to Kestrel: nothing a client sends gets a 5xx, no request outlives its route's documented limit, nothing is
/// logged as an error, and the silo stays live. One run from a fixed seed, one from a random seed that is printed;
/// either replays with <c>TASKER_FUZZ_SEED=&lt;seed&gt; dotnet test test/Tasker.Fuzz.Tests</c>.
/// </summary>
public sealed class HttpFuzzTests(FuzzServerFixture server, ITestOutputHelper output) : IClassFixture<FuzzServerFixture>
{
    /// <summary>The fixed seed every run starts with.</summary>
    public const ulong FixedSeed = 20261130;

    private const int Concurrency = 6;

    private static readonly TimeSpan _budget = TimeSpan.FromSeconds(
        double.Parse(Environment.GetEnvironmentVariable("TASKER_FUZZ_SECONDS") ?? "50", CultureInfo.InvariantCulture));

    [Fact]
    public Task Random_requests_from_the_fixed_seed_never_get_a_5xx_nor_hang_and_the_silo_stays_live() => FuzzAsync(server, output, FixedSeed);

    [Fact]
    public Task Random_requests_from_a_random_seed_never_get_a_5xx_nor_hang_and_the_silo_stays_live() => FuzzAsync(server, output, RandomSeed());

    /// <summary>TASKER_FUZZ_SEED when set (to replay a run), else a random seed.</summary>
    internal static ulong RandomSeed() =>
        Environment.GetEnvironmentVariable("TASKER_FUZZ_SEED") is { Length: > 0 } seed
            ? ulong.Parse(seed, CultureInfo.InvariantCulture)
            : (ulong)Random.Shared.NextInt64(long.MaxValue);

    /// <summary>
    /// Sends generated requests for the time budget, <paramref name="asCaller"/> applied to each (who sends it), and
    /// asserts that none got a 5xx or hung, that the silo stayed live and that it logged no error.
    /// </summary>
    internal static async Task FuzzAsync(FuzzServerFixture server, ITestOutputHelper output, ulong seed, Func<FuzzRequest, FuzzRequest>? asCaller = null)
    {
        output.WriteLine($"seed {seed} (replay: TASKER_FUZZ_SEED={seed}), {_budget.TotalSeconds} s, {Concurrency} at once");
        var generator = new HttpGenerators(server.KnownIds, FuzzServerFixture.AgentToken, server.Types).Request;
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(10) };

        async Task WorkAsync()
        {
            while (clock.Elapsed < _budget && failures.Count < 10)
            {
                var index = Interlocked.Increment(ref next);
                var request = generator.Generate(new PCG((uint)index, seed), null!, out _);
                request = asCaller?.Invoke(request) ?? request;
                var answer = await RawHttp.SendAsync(server.Address, request);
                statuses.AddOrUpdate(answer.Status, 1, (_, n) => n + 1);
                if (Verdict(request, answer) is { } failure)
                {
                    failures.Enqueue($"case {index} of seed {seed}: {failure} after {answer.Elapsed.TotalSeconds:0.0} s\n{request}\n  answer: {answer.Head.Split("\r\n")[0]}");
                }

                if (index % 250 == 0 && !await IsLiveAsync(http))
                {
                    failures.Enqueue($"after case {index} of seed {seed}: /health/live did not answer 200 within 10 s");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(WorkAsync)));
        var live = await IsLiveAsync(http);

        output.WriteLine($"{next + 1} requests in {clock.Elapsed.TotalSeconds:0} s; statuses: " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "none" : s.Key)}×{s.Value}")));
        foreach (var line in server.Errors.Lines)
        {
            output.WriteLine(line);
        }

        Assert.True(failures.IsEmpty, $"seed {seed}: {failures.Count} failing requests (replay: TASKER_FUZZ_SEED={seed})\n\n" + string.Join("\n\n", failures));
        Assert.True(live, $"seed {seed}: /health/live did not answer 200 after the run");
        Assert.True(server.Errors.Lines.Count == 0, $"seed {seed}: the server logged errors:\n" + string.Join("\n", server.Errors.Lines.Take(10)));
    }

    /// <summary>Why an answer breaks the property, or null when it keeps it.</summary>
    private static string? Verdict(FuzzRequest request, FuzzAnswer answer)
    {
        if (answer.TimedOut)
        {
            return $"no answer within {request.Limit.TotalSeconds} s";
        }

        if (answer.Status >= 500)
        {
            return $"{answer.Status}";
        }

        // A well-framed request deserves an answer; a broken one may just have its connection closed.
        if (answer.Status == 0 && request.Delivery is Delivery.Whole or Delivery.Chunked or Delivery.Slow && request.Method.Length > 0
            && request.Method.All(c => c is >= 'A' and <= 'Z') && request.Headers.All(h => h.Value.All(c => c is >= ' ' and <= '~')))
        {
            return "the connection closed without an answer";
        }

        return null;
    }

    private static async Task<bool> IsLiveAsync(HttpClient http)
    {
        try
        {
            using var answer = await http.GetAsync("/health/live");
            return answer.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
