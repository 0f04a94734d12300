using System.Globalization;
using Tasker.Caching;

namespace Tasker.Grains.Tests.Caching;

[Collection(ClusterCollection.Name)]
public sealed class ShortResultCacheTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_partition_keeps_at_most_its_share_of_results_and_drops_the_oldest_first()
    {
        // The fixture keeps the default 100,000 results over 64 partitions: 1,562 in each.
        var share = new TaskerOptions().MaxCachedShortResults / ResultCacheKey.ShortPartitions;
        var partition = Random.Shared.Next(ResultCacheKey.ShortPartitions);
        var first = Random.Shared.NextInt64(1, 1L << 40);
        var requests = new List<string>();
        for (var second = 0L; requests.Count < share + 1; second++)
        {
            var parameters = string.Create(CultureInfo.InvariantCulture, $$"""{"first":{{first}},"second":{{second}}}""");
            if (ResultCacheKey.ShortPartition("sum2", parameters) == partition)
            {
                requests.Add(parameters);
            }
        }

        var cache = fixture.Grains.GetGrain<IShortResultCacheGrain>(partition);
        foreach (var parameters in requests)
        {
            Assert.Equal(CacheLookupStatus.Computed, (await cache.GetOrComputeAsync("sum2", parameters, "c")).Status);
        }

        Assert.Equal(CacheLookupStatus.Hit, (await cache.GetOrComputeAsync("sum2", requests[^1], "c")).Status);
        Assert.Equal(CacheLookupStatus.Hit, (await cache.GetOrComputeAsync("sum2", requests[1], "c")).Status);
        Assert.Equal(CacheLookupStatus.Computed, (await cache.GetOrComputeAsync("sum2", requests[0], "c")).Status);
    }

    [Fact]
    public async Task A_partition_answers_input_hits_only_to_the_client_that_sent_the_text()
    {
        var text = $$"""{"input_param":"secret-plan-{{Guid.NewGuid():N}}"}""";
        var cache = fixture.Grains.GetGrain<IShortResultCacheGrain>(ResultCacheKey.ShortPartition("input", text, "alice"));

        Assert.Equal(CacheLookupStatus.Computed, (await cache.GetOrComputeAsync("input", text, "alice")).Status);
        Assert.Equal(CacheLookupStatus.Computed, (await cache.GetOrComputeAsync("input", text, "bob")).Status);
        Assert.Equal(CacheLookupStatus.Hit, (await cache.GetOrComputeAsync("input", text, "alice")).Status);
    }
}
