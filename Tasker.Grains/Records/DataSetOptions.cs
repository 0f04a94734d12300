using System.ComponentModel.DataAnnotations;

namespace Tasker.Records;

/// <summary>The fake data set created at start-up. Bound from <c>Tasker:DataSet</c>.</summary>
public sealed class DataSetOptions
{
    public const string SectionName = "Tasker:DataSet";

    /// <summary>Rows to create when the store has fewer seeded rows (0: create none). Default 100,000.</summary>
    [Range(0, 10_000_000)]
    public int Rows { get; set; } = 100_000;

    /// <summary>Seed of the generator: the same seed gives the same rows on every silo. Default 2010.</summary>
    public int Seed { get; set; } = 2010;
}
