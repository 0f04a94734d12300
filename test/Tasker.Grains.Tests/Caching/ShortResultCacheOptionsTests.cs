namespace Tasker.Grains.Tests.Caching;

public sealed class ShortResultCacheOptionsTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(63, false)]
    [InlineData(64, true)]
    [InlineData(100_000, true)]
    public void A_cache_size_that_leaves_a_partition_without_room_is_refused_at_start_up(int size, bool valid)
    {
        var result = new DataAnnotationsValidator<TaskerOptions>().Validate(null, new TaskerOptions { MaxCachedShortResults = size });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Tasker:MaxCachedShortResults must be 0 (no cache) or at least 64", result.FailureMessage);
        }
    }
}
