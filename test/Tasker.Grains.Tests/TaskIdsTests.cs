using System.Globalization;

namespace Tasker.Grains.Tests;

/// <summary>Task ids sort in the order they were made, which newest-first listings and their cursors depend on.</summary>
public sealed class TaskIdsTests
{
    [Fact]
    public void Ids_made_in_the_same_millisecond_sort_in_the_order_they_were_made()
    {
        var ids = Enumerable.Range(0, 20_000).Select(_ => TaskIds.New()).ToList();

        Assert.True(ids.GroupBy(id => id[..12]).Any(sameMillisecond => sameMillisecond.Count() > 1), "no two ids shared a millisecond: nothing was proven");
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(7, Guid.ParseExact(id, "N").Version));
        Assert.All(ids, id => Assert.Equal(0b10, Guid.ParseExact(id, "N").Variant >> 2));
    }

    [Theory]
    [InlineData("01a25328b35c72e89e7ae013f365a22b", "01a25328b35c72e89e7ae013f365a22c")] // The random tail counts up.
    [InlineData("01a25328b35c72e8bfffffffffffffff", "01a25328b35c72e98000000000000000")] // Spent: rand_a counts up.
    [InlineData("01a25328b35c7fffbfffffffffffffff", "01a25328b35d70008000000000000000")] // Both spent: the next millisecond.
    public void The_successor_of_an_id_is_the_next_one_of_its_version_and_variant(string id, string expected)
    {
        var successor = TaskIds.Successor(UInt128.Parse(id, NumberStyles.HexNumber, CultureInfo.InvariantCulture));

        Assert.Equal(expected, successor.ToString("x32", CultureInfo.InvariantCulture));
        Assert.True(string.CompareOrdinal(expected, id) > 0);
        Assert.Equal(7, Guid.ParseExact(expected, "N").Version);
    }
}
