using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.Extensions.Options;
using Tasker.Files;
using Tasker.Records;
using Tasker.Tasks;

namespace Tasker.Handlers;

/// <summary>
/// <c>csv-export</c> {from, till, chunk_rows}: the data set's rows dated in [from, till] into a CSV file, in (date, id)
/// order, one chunk at a time: a chunk writes rows until the chunk budget is spent (at most <c>chunk_rows</c>). After
/// each chunk the checkpoint holds the last row written and the file's length, so a run that goes on elsewhere cuts the
/// file back to that length and writes no row twice.
/// </summary>
public sealed class CsvExportHandler(IRecordStore store, TaskFiles files, IOptions<CsvExportOptions> options) : IChunkedTaskHandler
{
    public const string TypeName = "csv-export";

    /// <summary>The columns of an exported file, which csv-import reads back.</summary>
    public static readonly string[] Columns = ["id", "date", "name", "email", "city", "amount"];

    /// <summary>Rows per read of the data set; a chunk reads as many times as its budget allows.</summary>
    public const int ReadRows = 5_000;

    private static readonly CsvConfiguration _csv = new(CultureInfo.InvariantCulture) { NewLine = "\n" };
    private static readonly UTF8Encoding _utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public string Type => TypeName;

    public string Description => "rows dated `from`..`till` (YYYY-MM-DD) into a CSV file in checkpointed chunks; GET /tasks/{id}/file downloads it";

    public bool Cacheable => false;

    public IReadOnlyList<ParameterFact> Parameters { get; } =
    [
        new("from", ParameterKind.Date, Example: "2019-01-01", Hint: "the data set spans 2010–2019"),
        new("till", ParameterKind.Date, Example: "2019-12-31"),
        new("chunk_rows", ParameterKind.Int, Optional: true, Min: 10, Max: 100_000, Hint: "most rows per chunk; a chunk ends at the chunk budget"),
    ];

    public ProducedFile? Produces { get; } = new("text/csv; charset=utf-8", ".csv");

    public string? Summarize(JsonElement result) =>
        result.ValueKind == JsonValueKind.Object && result.TryGetProperty("rows", out var rows) && result.TryGetProperty("bytes", out var bytes)
            ? string.Create(CultureInfo.InvariantCulture, $"{rows.GetInt64():N0} rows · {Size(bytes.GetInt64())}")
            : null;

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        var from = reader.Date("from");
        var till = reader.Date("till");
        reader.Integer("chunk_rows", 10, 100_000, fallback: options.Value.ExportChunkRows);
        if (from != default && till != default && till < from)
        {
            reader.Reject("till", "must not be before params.from");
        }

        return reader.Complete();
    }

    // The number of rows in range is counted by the first chunk.
    public TaskProgress Plan(string parametersJson) => new(0, 0);

    public async Task<ChunkOutcome> RunChunkAsync(ChunkContext context, CancellationToken cancellationToken)
    {
        var parameters = CanonicalParameters.Parse(context.ParametersJson);
        var from = Date(parameters, "from");
        var till = Date(parameters, "till");
        var chunkRows = (int)CanonicalParameters.Integer(parameters, "chunk_rows");

        var saved = Checkpoint.Read(context.Checkpoint.Data);
        var total = saved?.Total ?? await store.CountAsync(from, till, cancellationToken);
        var after = saved?.LastDay is { } day ? new RecordCursor(DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture), saved.LastId) : null;

        // Off the grain's turn: the reads, the file system calls and the fsync (docs: external tasks and grains);
        // nothing in there touches the grain, and what was written comes back to its turn.
        var chunk = await Task.Run(() => WriteChunkAsync(context.TaskId, new ChunkRange(from, till, after, chunkRows, context.Budget), saved, cancellationToken), cancellationToken);
        if (chunk is null)
        {
            return new ChunkOutcome(context.Checkpoint, new TaskProgress(context.Checkpoint.Position, total),
                Error: $"the export file was lost after {context.Checkpoint.Position} rows (is Tasker:Files:Path shared by every silo?)");
        }

        var written = context.Checkpoint.Position + chunk.Rows;
        var progress = new TaskProgress(written, Math.Max(total, written));
        var checkpoint = new TaskCheckpoint(written, Checkpoint.Write(new Checkpoint(
            total,
            chunk.Length,
            chunk.Last?.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? saved?.LastDay,
            chunk.Last?.Id ?? saved?.LastId ?? 0)));

        if (!chunk.Finished)
        {
            return new ChunkOutcome(checkpoint, progress);
        }

        await Task.Run(() => File.Move(files.ExportInProgress(context.TaskId), files.Export(context.TaskId), overwrite: true), cancellationToken);
        var result = JsonSerializer.Serialize(new ExportResult(written, chunk.Length, FileLink(context.TaskId)), HandlerJson.Options);
        return new ChunkOutcome(checkpoint, progress, ResultJson: result);
    }

    /// <summary>
    /// Appends the chunk's rows to the file in progress, on disk before it returns: rows read <see cref="ReadRows"/> at
    /// a time, the next read on its way while the last rows are written, until the chunk budget is spent, the chunk has
    /// <c>chunk_rows</c> rows, or the range ends. Null when the file was lost.
    /// </summary>
    private async Task<WrittenChunk?> WriteChunkAsync(string taskId, ChunkRange range, Checkpoint? saved, CancellationToken cancellationToken)
    {
        var path = files.ExportInProgress(taskId);
        if (saved is not null && !RecoverFile(taskId, path, saved.Bytes))
        {
            return null;
        }

        var started = Stopwatch.GetTimestamp();
        var (rows, last, finished) = (0, (DataRecord?)null, false);
        Task<IReadOnlyList<DataRecord>>? next = null;
        using var stream = PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1 << 16); // Users' rows: owner-only.
        try
        {
            // Whatever a dropped or interrupted chunk wrote past the checkpoint goes.
            stream.SetLength(saved?.Bytes ?? 0);
            stream.Position = stream.Length;
            using (var writer = new StreamWriter(stream, _utf8, 1 << 16, leaveOpen: true))
            using (var csv = new CsvWriter(writer, _csv, leaveOpen: true))
            {
                if (saved is null)
                {
                    WriteHeader(csv);
                }

                var asked = Math.Min(ReadRows, range.ChunkRows);
                next = store.ReadAsync(range.From, range.Till, range.After, asked, cancellationToken);
                while (next is not null)
                {
                    var batch = await next;
                    next = null;
                    rows += batch.Count;
                    last = batch.Count > 0 ? batch[^1] : last;
                    finished = batch.Count < asked;
                    var room = range.ChunkRows - rows;
                    if (!finished && room > 0 && Stopwatch.GetElapsedTime(started) < range.Budget)
                    {
                        asked = Math.Min(ReadRows, room);
                        next = store.ReadAsync(range.From, range.Till, new RecordCursor(last!.Date, last.Id), asked, cancellationToken);
                    }

                    // Synchronous on purpose: this runs off the grain's turn already, and CsvHelper's async writer
                    // (an await per row, flushing through an async file) cost more than the rows themselves.
                    WriteRows(csv, batch);
                }
            }

            // On disk before the checkpoint says so.
            stream.Flush(flushToDisk: true);
            return new WrittenChunk(rows, stream.Length, last, finished);
        }
        finally
        {
            if (next is not null)
            {
                await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // A read left behind by a failure.
            }
        }
    }

    private static void WriteHeader(CsvWriter csv)
    {
        foreach (var column in Columns)
        {
            csv.WriteField(column);
        }

        csv.NextRecord();
    }

    private static void WriteRows(CsvWriter csv, IReadOnlyList<DataRecord> rows)
    {
        foreach (var row in rows)
        {
            csv.WriteField(row.Id);
            csv.WriteField(row.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            csv.WriteField(row.Name);
            csv.WriteField(row.Email);
            csv.WriteField(row.City);
            csv.WriteField(row.Amount.ToString("0.00", CultureInfo.InvariantCulture));
            csv.NextRecord();
        }
    }

    public Task ReleaseAsync(string taskId)
    {
        File.Delete(files.ExportInProgress(taskId));
        return Task.CompletedTask;
    }

    /// <summary>The expired task's file goes with it (docs/adr/020); off the grain's turn, as file work is.</summary>
    public Task ExpireAsync(ExpiringTask task) => Task.Run(() =>
    {
        File.Delete(files.Export(task.TaskId));
        File.Delete(files.ExportInProgress(task.TaskId));
    });

    /// <summary>Where the finished file is served.</summary>
    private static string Size(long bytes) => bytes switch
    {
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    public static string FileLink(string taskId) => $"/tasks/{taskId}/file";

    /// <summary>
    /// Makes sure the file in progress holds at least what the checkpoint counts. The last chunk renames the file
    /// before its checkpoint is stored; when that chunk is run again, the finished file is taken back.
    /// </summary>
    private bool RecoverFile(string taskId, string path, long bytes)
    {
        if (!File.Exists(path) && File.Exists(files.Export(taskId)))
        {
            File.Move(files.Export(taskId), path);
        }

        return File.Exists(path) && new FileInfo(path).Length >= bytes;
    }

    private static DateOnly Date(JsonElement parameters, string name) =>
        DateOnly.ParseExact(CanonicalParameters.Text(parameters, name), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private sealed record ExportResult(long Rows, long Bytes, string File);

    /// <summary>What a chunk reads: rows dated [From, Till] after the cursor, at most ChunkRows of them, within Budget.</summary>
    private sealed record ChunkRange(DateOnly From, DateOnly Till, RecordCursor? After, int ChunkRows, TimeSpan Budget);

    /// <summary>What a chunk wrote: its rows, the file's length after them, the last row, and whether the range ended.</summary>
    private sealed record WrittenChunk(int Rows, long Length, DataRecord? Last, bool Finished);

    /// <summary>What a chunk leaves for the next: rows in range, the file's length, and the last row written.</summary>
    private sealed record Checkpoint(long Total, long Bytes, string? LastDay, long LastId)
    {
        public static Checkpoint? Read(string? data) => data is null ? null : JsonSerializer.Deserialize<Checkpoint>(data, HandlerJson.Options);

        public static string Write(Checkpoint checkpoint) => JsonSerializer.Serialize(checkpoint, HandlerJson.Options);
    }
}
