using System.Text.Json;
using Microsoft.Extensions.Options;
using Tasker.Caching;
using Tasker.Handlers;

namespace Tasker.Grains.Tests.Caching;

/// <summary>The short types' cache in this process (embedded mode, docs/adr/027): what the partition grains promise, under threads.</summary>
public sealed class LocalShortResultCacheTests
{
    private readonly CountingHandler _handler = new();

    private LocalShortResultCache NewCache(TaskerOptions? options = null) =>
        new(new TaskHandlerRegistry([_handler]), Options.Create(options ?? new TaskerOptions()), TimeProvider.System);

    [Fact]
    public async Task Identical_requests_at_once_share_one_computation()
    {
        var cache = NewCache();

        var answers = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => cache.GetOrComputeAsync("slow", """{"n":7}""", "c"))));

        Assert.Equal(1, _handler.Runs);
        Assert.Single(answers, a => a.Status == CacheLookupStatus.Computed);
        Assert.All(answers, a => Assert.Equal("49", a.ResultJson));
        Assert.Equal(31, answers.Count(a => a.Status == CacheLookupStatus.Hit));
    }

    [Fact]
    public async Task Different_requests_at_once_are_each_computed_and_each_answered_with_its_own_result()
    {
        var cache = NewCache();

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(n => Task.Run(() => cache.GetOrComputeAsync("slow", $$"""{"n":{{n}}}""", "c"))));

        Assert.Equal(200, _handler.Runs);
        Assert.Equal(Enumerable.Range(0, 200).Select(n => (n * n).ToString(System.Globalization.CultureInfo.InvariantCulture)), answers.Select(a => a.ResultJson));
    }

    [Fact]
    public async Task An_expired_entry_is_computed_again_and_one_stored_after_the_cut_off_stays()
    {
        var cache = NewCache();
        await cache.GetOrComputeAsync("slow", """{"n":3}""", "c");

        await cache.ExpireAsync("slow", """{"n":3}""", "c", DateTimeOffset.UtcNow.AddMinutes(-1)); // stored after that: kept
        Assert.Equal(CacheLookupStatus.Hit, (await cache.GetOrComputeAsync("slow", """{"n":3}""", "c")).Status);

        await cache.ExpireAsync("slow", """{"n":3}""", "c", DateTimeOffset.UtcNow);
        Assert.Equal(CacheLookupStatus.Computed, (await cache.GetOrComputeAsync("slow", """{"n":3}""", "c")).Status);
        Assert.Equal(2, _handler.Runs);
    }

    [Fact]
    public async Task A_failed_computation_is_not_kept()
    {
        var cache = NewCache();

        Assert.Equal(CacheLookupStatus.Failed, (await cache.GetOrComputeAsync("slow", """{"n":-1}""", "c")).Status);
        Assert.Equal(CacheLookupStatus.Failed, (await cache.GetOrComputeAsync("slow", """{"n":-1}""", "c")).Status);
        Assert.Equal(2, _handler.Runs);
    }

    [Fact]
    public async Task A_type_cached_per_client_answers_a_hit_only_to_the_client_that_computed_it()
    {
        _handler.Scope = CacheScope.PerClient;
        var cache = NewCache();

        Assert.Equal(CacheLookupStatus.Computed, (await cache.GetOrComputeAsync("slow", """{"n":5}""", "alice")).Status);
        Assert.Equal(CacheLookupStatus.Computed, (await cache.GetOrComputeAsync("slow", """{"n":5}""", "bob")).Status);
        Assert.Equal(CacheLookupStatus.Hit, (await cache.GetOrComputeAsync("slow", """{"n":5}""", "alice")).Status);

        await cache.ExpireAsync("slow", """{"n":5}""", "bob", DateTimeOffset.UtcNow); // bob's entry goes, alice's stays
        Assert.Equal(CacheLookupStatus.Hit, (await cache.GetOrComputeAsync("slow", """{"n":5}""", "alice")).Status);
        Assert.Equal(CacheLookupStatus.Computed, (await cache.GetOrComputeAsync("slow", """{"n":5}""", "bob")).Status);
        Assert.Equal(3, _handler.Runs);
    }

    [Fact]
    public async Task A_shared_type_answers_a_hit_to_any_client()
    {
        var cache = NewCache();

        Assert.Equal(CacheLookupStatus.Computed, (await cache.GetOrComputeAsync("slow", """{"n":6}""", "alice")).Status);
        Assert.Equal(CacheLookupStatus.Hit, (await cache.GetOrComputeAsync("slow", """{"n":6}""", "bob")).Status);
    }

    /// <summary><c>slow</c>: n squared, taking a millisecond, so that requests at once overlap; fails on a negative n.</summary>
    private sealed class CountingHandler : IInstantTaskHandler
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public string Type => "slow";

        public string Description => "n squared, slowly";

        public bool Cacheable => true;

        public CacheScope Scope { get; set; } = CacheScope.Shared;

        public CacheScope CacheScope => Scope;

        public IReadOnlyList<ParameterFact> Parameters { get; } = [];

        public ParameterCheck Validate(JsonElement parameters) => new ParameterReader(parameters).Complete();

        public string Execute(string parametersJson)
        {
            Interlocked.Increment(ref _runs);
            Thread.Sleep(1);
            var n = JsonDocument.Parse(parametersJson).RootElement.GetProperty("n").GetInt64();
            return n < 0 ? throw new ArgumentOutOfRangeException(nameof(parametersJson), "n must not be negative") : (n * n).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public string? Summarize(JsonElement result) => null;
    }
}
