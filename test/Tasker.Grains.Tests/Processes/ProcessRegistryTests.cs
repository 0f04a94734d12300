namespace Tasker.Grains.Tests.Processes;

[Collection(ClusterCollection.Name)]
public sealed class ProcessRegistryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Every_type_is_listed_and_a_status_change_keeps_its_reason_and_time()
    {
        var registry = fixture.Grains.GetGrain<IProcessRegistryGrain>(0);
        var before = await registry.GetTableAsync();
        Assert.Contains(before.Entries, e => e.Type == "sum2");
        Assert.Contains(before.Entries, e => e.Type == "count");

        try
        {
            var table = await registry.SetStatusAsync("surprise", ProcessStatus.Suspended, "tuning the song");
            var entry = table.Entries.Single(e => e.Type == "surprise");
            Assert.Equal(ProcessStatus.Suspended, entry.Status);
            Assert.Equal("tuning the song", entry.Reason);
            Assert.NotNull(entry.Since);
            Assert.True(table.Version > before.Version);
        }
        finally
        {
            await registry.SetStatusAsync("surprise", ProcessStatus.Active, null);
        }
    }

    [Fact]
    public async Task Setting_an_unknown_type_is_refused() =>
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Grains.GetGrain<IProcessRegistryGrain>(0).SetStatusAsync("nope", ProcessStatus.Suspended, null));
}
