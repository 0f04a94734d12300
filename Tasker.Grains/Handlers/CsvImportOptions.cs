using System.ComponentModel.DataAnnotations;

namespace Tasker.Handlers;

/// <summary>
/// The csv-import task's defaults. Bound from the <c>Tasker</c> section
/// itself, as <c>Tasker:ImportChunkRows</c> and its like, beside the general keys.
/// </summary>
public sealed class CsvImportOptions
{
    /// <summary>Rows a csv-import chunk stores when the task does not say (<c>chunk_rows</c>). Default 5,000.</summary>
    [Range(10, 1_000_000)]
    public int ImportChunkRows { get; set; } = 5_000;

    /// <summary>
    /// Bad rows a csv-import tolerates when the task does not say (<c>max_bad_rows</c>); one more fails it. Default 100.
    /// </summary>
    [Range(0, 1_000_000)]
    public int ImportMaxBadRows { get; set; } = 100;
}
