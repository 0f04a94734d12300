using System.ComponentModel.DataAnnotations;

namespace Tasker.Handlers;

/// <summary>
/// The csv-export task's default chunk size. Bound from the <c>Tasker</c> section
/// itself, as <c>Tasker:ExportChunkRows</c> and its like, beside the general keys.
/// </summary>
public sealed class CsvExportOptions
{
    /// <summary>
    /// Most rows a csv-export chunk writes when the task does not say (<c>chunk_rows</c>). Default 100,000: a chunk ends
    /// at <see cref="TaskerOptions.ChunkBudget"/> first, so the budget sizes the chunks.
    /// </summary>
    [Range(10, 1_000_000)]
    public int ExportChunkRows { get; set; } = 100_000;
}
