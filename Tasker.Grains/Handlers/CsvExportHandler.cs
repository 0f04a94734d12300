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
/// order, one chunk of rows at a time. After each chunk the checkpoint holds the last row written and the file's
/// length, so a run that goes on elsewhere cuts the file back to that length and writes no row twice.
/// </summary>
public sealed class CsvExportHandler(IRecordStore store, TaskFiles files, IOptions<TaskerOptions> options) : IChunkedTaskHandler
{
    public const string TypeName = "csv-export";

    /// <summary>The columns of an exported file, which csv-import reads back.</summary>
    public static readonly string[] Columns = ["id", "date", "name", "email", "city", "amount"];

    private static readonly CsvConfiguration _csv = new(CultureInfo.InvariantCulture) { NewLine = "\n" };
    private static readonly UTF8Encoding _utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public string Type => TypeName;

    public string Description => "rows dated `from`..`till` (YYYY-MM-DD) into a CSV file in checkpointed chunks; GET /tasks/{id}/file downloads it";

    public bool Cacheable => false;

    public IReadOnlyList<ParameterFact> Parameters { get; } =
    [
        new("from", ParameterKind.Date, Example: "2019-01-01", Hint: "the data set spans 2010–2019"),
        new("till", ParameterKind.Date, Example: "2019-12-31"),
        new("chunk_rows", ParameterKind.Int, Optional: true, Min: 10, Max: 100_000, Hint: "rows per chunk"),
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
        var rows = await store.ReadAsync(from, till, after, chunkRows, cancellationToken);

        // Off the grain's turn: the file system calls and the fsync (docs: external tasks and grains); nothing in
        // there touches the grain, and the file's length comes back to its turn.
        var length = await Task.Run(() => WriteChunkAsync(context.TaskId, saved, rows), cancellationToken);
        if (length is null)
        {
            return new ChunkOutcome(context.Checkpoint, new TaskProgress(context.Checkpoint.Position, total),
                Error: $"the export file was lost after {context.Checkpoint.Position} rows (is Tasker:Files:Path shared by every silo?)");
        }

        var written = context.Checkpoint.Position + rows.Count;
        var progress = new TaskProgress(written, Math.Max(total, written));
        var last = rows.Count > 0 ? rows[^1] : null;
        var checkpoint = new TaskCheckpoint(written, Checkpoint.Write(new Checkpoint(
            total,
            length.Value,
            last?.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? saved?.LastDay,
            last?.Id ?? saved?.LastId ?? 0)));

        if (rows.Count == chunkRows)
        {
            return new ChunkOutcome(checkpoint, progress);
        }

        await Task.Run(() => File.Move(files.ExportInProgress(context.TaskId), files.Export(context.TaskId), overwrite: true), cancellationToken);
        var result = JsonSerializer.Serialize(new ExportResult(written, length.Value, FileLink(context.TaskId)), HandlerJson.Options);
        return new ChunkOutcome(checkpoint, progress, ResultJson: result);
    }

    /// <summary>Appends the rows to the file in progress, on disk before it returns; its length, or null when it was lost.</summary>
    private async Task<long?> WriteChunkAsync(string taskId, Checkpoint? saved, IReadOnlyList<DataRecord> rows)
    {
        var path = files.ExportInProgress(taskId);
        if (saved is not null && !RecoverFile(taskId, path, saved.Bytes))
        {
            return null;
        }

        await using (var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true))
        {
            // Whatever a dropped or interrupted chunk wrote past the checkpoint goes.
            stream.SetLength(saved?.Bytes ?? 0);
            stream.Position = stream.Length;
            await using (var writer = new StreamWriter(stream, _utf8, 1 << 16, leaveOpen: true))
            await using (var csv = new CsvWriter(writer, _csv, leaveOpen: true))
            {
                if (saved is null)
                {
                    foreach (var column in Columns)
                    {
                        csv.WriteField(column);
                    }

                    await csv.NextRecordAsync();
                }

                foreach (var row in rows)
                {
                    csv.WriteField(row.Id);
                    csv.WriteField(row.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                    csv.WriteField(row.Name);
                    csv.WriteField(row.Email);
                    csv.WriteField(row.City);
                    csv.WriteField(row.Amount.ToString("0.00", CultureInfo.InvariantCulture));
                    await csv.NextRecordAsync();
                }
            }

            // On disk before the checkpoint says so.
            stream.Flush(flushToDisk: true);
            return stream.Length;
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

    /// <summary>What a chunk leaves for the next: rows in range, the file's length, and the last row written.</summary>
    private sealed record Checkpoint(long Total, long Bytes, string? LastDay, long LastId)
    {
        public static Checkpoint? Read(string? data) => data is null ? null : JsonSerializer.Deserialize<Checkpoint>(data, HandlerJson.Options);

        public static string Write(Checkpoint checkpoint) => JsonSerializer.Serialize(checkpoint, HandlerJson.Options);
    }
}
