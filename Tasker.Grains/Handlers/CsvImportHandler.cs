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
/// <c>csv-import</c>: stores the rows of an uploaded CSV (columns name, email, city, date, amount; others are ignored)
/// in the data set, one chunk at a time. A bad row is reported by its line number and reason and skipped; more than
/// <c>max_bad_rows</c> of them fail the task. Rows are stored under (task id, line), so a chunk run again after a
/// pause or a failover stores nothing twice. Progress counts the file's bytes read (counting its rows first would read
/// a whole upload, up to 200 MiB, in one chunk). File reading and parsing run off the grain's turn.
/// </summary>
public sealed class CsvImportHandler(IRecordStore store, TaskFiles files, IOptions<CsvImportOptions> options) : IChunkedTaskHandler
{
    public const string TypeName = "csv-import";

    /// <summary>Bad rows listed in the result and the error; the count covers them all.</summary>
    public const int MaxListedBadRows = 100;

    private const int MaxTextLength = 200;

    private static readonly byte[] _utf8Bom = [0xEF, 0xBB, 0xBF];

    private static readonly string[] _required = ["name", "email", "date", "amount"];

    public string Type => TypeName;

    public string Description => "stores the rows of an uploaded CSV (multipart POST /tasks) in checkpointed chunks; bad rows reported by line";

    public bool Cacheable => false;

    public IReadOnlyList<ParameterFact> Parameters { get; } =
    [
        new("file", ParameterKind.File, Accept: ".csv,text/csv", Hint: "a CSV file to upload"),
        new("max_bad_rows", ParameterKind.Int, Optional: true, Min: 0, Max: 1_000_000, Hint: "fail when more rows are bad"),
        new("chunk_rows", ParameterKind.Int, Optional: true, Min: 10, Max: 100_000, Hint: "rows per chunk"),
    ];

    public string? Summarize(JsonElement result) =>
        result.ValueKind == JsonValueKind.Object && result.TryGetProperty("imported", out var imported) && result.TryGetProperty("rows", out var rows)
            ? string.Create(CultureInfo.InvariantCulture, $"{imported.GetInt64():N0} of {rows.GetInt64():N0} rows imported")
              + (result.TryGetProperty("bad", out var bad) && bad.GetInt64() > 0 ? string.Create(CultureInfo.InvariantCulture, $" · {bad.GetInt64()} bad") : "")
            : null;

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        var upload = reader.Text("upload", 32);
        reader.Text("file_name", 255);
        reader.Integer("max_bad_rows", 0, 1_000_000, fallback: options.Value.ImportMaxBadRows);
        reader.Integer("chunk_rows", 10, 100_000, fallback: options.Value.ImportChunkRows);
        if (upload.Length > 0 && !TaskFiles.IsUploadId(upload))
        {
            reader.Reject("upload", "must name an uploaded file (32 lowercase hex digits)");
        }

        return reader.Complete();
    }

    // Progress is in bytes of the file, whose size the first chunk learns.
    public TaskProgress Plan(string parametersJson) => new(0, 0);

    public async Task<ChunkOutcome> RunChunkAsync(ChunkContext context, CancellationToken cancellationToken)
    {
        var parameters = CanonicalParameters.Parse(context.ParametersJson);
        var path = files.Upload(CanonicalParameters.Text(parameters, "upload"));
        var maxBad = CanonicalParameters.Integer(parameters, "max_bad_rows");
        var chunkRows = (int)CanonicalParameters.Integer(parameters, "chunk_rows");
        // Off the grain's turn: the file system calls and the parsing of a chunk's rows (docs: external tasks and
        // grains); nothing in here touches the grain, and the result comes back to its turn.
        var read = await Task.Run(() => ReadChunkAsync(context, path, maxBad, chunkRows, cancellationToken), cancellationToken);
        if (read.Error is { } error)
        {
            return Fail(context, error);
        }

        var (batch, consumed, next, size) = (read.Batch!, read.Consumed, read.Next!, read.Size);
        await store.AddAsync(context.TaskId, batch, cancellationToken);
        if (read.Outcome is { } failed)
        {
            return failed; // Too many bad rows: the good ones before stay stored.
        }

        var checkpoint = new TaskCheckpoint(consumed, ImportCheckpoint.Write(next));
        var progress = new TaskProgress(next.Bytes, Math.Max(size, next.Bytes));
        if (consumed - context.Checkpoint.Position == chunkRows)
        {
            return new ChunkOutcome(checkpoint, progress);
        }

        var result = new ImportResult(CanonicalParameters.Text(parameters, "file_name"), consumed, next.Imported, next.Bad, next.BadRows);
        return new ChunkOutcome(checkpoint, progress with { Done = progress.Total }, ResultJson: JsonSerializer.Serialize(result, HandlerJson.Options));
    }

    /// <summary>
    /// The expired task's upload goes with it (docs/adr/020), unless it was uploaded again, or read by another import,
    /// after this task ended: uploads are named by their content, so two imports of one file share it.
    /// </summary>
    public Task ExpireAsync(ExpiringTask task) => Task.Run(() =>
    {
        var upload = CanonicalParameters.Text(CanonicalParameters.Parse(task.ParametersJson), "upload");
        if (!TaskFiles.IsUploadId(upload))
        {
            return;
        }

        var path = files.Upload(upload);
        if (File.Exists(path) && File.GetLastWriteTimeUtc(path) <= task.FinishedAt.UtcDateTime)
        {
            File.Delete(path);
        }
    });

    /// <summary>Reads and checks up to a chunk of rows from the checkpoint on; runs on the thread pool.</summary>
    private static async Task<ChunkRead> ReadChunkAsync(ChunkContext context, string path, long maxBad, int chunkRows, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return new ChunkRead("the uploaded file is gone (is Tasker:Files:Path shared by every silo?)");
        }

        // Marks the upload in use: an import of the same file that expires meanwhile leaves it (ExpireAsync).
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow);

        var size = new FileInfo(path).Length;
        var state = ImportCheckpoint.Read(context.Checkpoint.Data) ?? await StartAsync(path, cancellationToken);
        if (state.Columns is null)
        {
            return new ChunkRead(state.Problem ?? "the file has no header line");
        }

        var batch = new List<NewRecord>(chunkRows);
        var bad = new List<BadRow>(state.BadRows);
        var badCount = state.Bad;
        var consumed = context.Checkpoint.Position;
        var line = state.Line;
        long bytes;
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
        {
            stream.Position = state.Bytes;
            var malformed = false;
            var configuration = Configuration(() => malformed = true);
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, 1 << 16, leaveOpen: true);
            using var parser = new CsvParser(reader, configuration);
            var lastRawRow = 0L;
            while (consumed - context.Checkpoint.Position < chunkRows && await parser.ReadAsync())
            {
                var startLine = line + lastRawRow + 1;
                lastRawRow = parser.RawRow;
                consumed++;
                var (row, reason) = malformed ? (null, "the quoting is malformed") : Check(parser.Record ?? [], state.Columns, startLine);
                malformed = false;
                if (row is not null)
                {
                    batch.Add(row);
                    continue;
                }

                badCount++;
                if (bad.Count < MaxListedBadRows)
                {
                    bad.Add(new BadRow(startLine, reason!));
                }

                if (badCount > maxBad)
                {
                    var failed = Fail(context, $"more than {maxBad} bad rows (max_bad_rows), stopped at line {startLine}; {Describe(bad)}", state.Bytes + parser.ByteCount, size);
                    return new ChunkRead(null, batch, consumed, state, size, failed);
                }
            }

            line += lastRawRow;
            bytes = state.Bytes + parser.ByteCount;
        }

        var next = state with { Bytes = bytes, Line = line, Imported = state.Imported + batch.Count, Bad = badCount, BadRows = bad };
        return new ChunkRead(null, batch, consumed, next, size);
    }

    /// <summary>Reads the header line, before the first chunk.</summary>
    private static async Task<ImportCheckpoint> StartAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var head = new byte[_utf8Bom.Length];
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var bom = read == head.Length && head.SequenceEqual(_utf8Bom) ? _utf8Bom.Length : 0;
        stream.Position = bom;

        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, 1 << 16, leaveOpen: true);
        using var parser = new CsvParser(reader, Configuration(() => { }));
        if (!await parser.ReadAsync())
        {
            return new ImportCheckpoint(0, 0, 0, null, 0, 0, [], "the file is empty");
        }

        var header = (parser.Record ?? []).Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var missing = _required.Where(c => !header.Contains(c)).ToArray();
        if (missing.Length > 0)
        {
            return new ImportCheckpoint(0, 0, 0, null, 0, 0, [],
                $"the header line lacks the column(s) {string.Join(", ", missing)} (it has: {string.Join(", ", header)})");
        }

        int[] columns = [.. new[] { "name", "email", "city", "date", "amount" }.Select(c => Array.IndexOf(header, c))];
        return new ImportCheckpoint(0, bom + parser.ByteCount, parser.RawRow, columns, 0, 0, [], null);
    }

    /// <summary>A row to store, or why the line is bad. Columns: name, email, city (or -1), date, amount.</summary>
    private static (NewRecord? Row, string? Reason) Check(string[] fields, int[] columns, long line)
    {
        var reasons = new List<string>();
        string Field(int index) => index >= 0 && index < fields.Length ? fields[index].Trim() : "";

        var name = Field(columns[0]);
        var email = Field(columns[1]);
        var city = Field(columns[2]);
        var dateText = Field(columns[3]);
        var amountText = Field(columns[4]);
        if (columns.Max() >= fields.Length)
        {
            reasons.Add($"it has {fields.Length} field(s), fewer than the header's columns");
        }

        if (name.Length is 0 or > MaxTextLength)
        {
            reasons.Add(name.Length == 0 ? "name is empty" : $"name is longer than {MaxTextLength} characters");
        }

        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (email.Length > MaxTextLength || at <= 0 || at == email.Length - 1 || email.Contains(' ', StringComparison.Ordinal))
        {
            reasons.Add($"email '{Clip(email)}' is not an email address");
        }

        if (city.Length > MaxTextLength)
        {
            reasons.Add($"city is longer than {MaxTextLength} characters");
        }

        if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            reasons.Add($"date '{Clip(dateText)}' is not a date written YYYY-MM-DD");
        }

        if (!decimal.TryParse(amountText, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            || amount.Scale > 2 || Math.Abs(amount) >= 10_000_000_000_000_000m)
        {
            reasons.Add($"amount '{Clip(amountText)}' is not a number with at most 2 decimals");
        }

        return reasons.Count > 0
            ? (null, string.Join("; ", reasons))
            : (new NewRecord(line, date, name, email, city, amount), null);
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string Describe(IReadOnlyList<BadRow> bad) =>
        string.Join("; ", bad.Take(5).Select(b => $"line {b.Line}: {b.Reason}")) + (bad.Count > 5 ? "; …" : "");

    /// <summary>A failed chunk; progress in bytes, by default where the checkpoint stands.</summary>
    private static ChunkOutcome Fail(ChunkContext context, string error, long? doneBytes = null, long sizeBytes = 0)
    {
        var done = doneBytes ?? ImportCheckpoint.Read(context.Checkpoint.Data)?.Bytes ?? 0;
        return new(context.Checkpoint, new TaskProgress(done, Math.Max(sizeBytes, done)), Error: error);
    }

    private static CsvConfiguration Configuration(Action onBadData) => new(CultureInfo.InvariantCulture)
    {
        CountBytes = true,
        Encoding = Encoding.UTF8,
        BadDataFound = _ => onBadData(),
        IgnoreBlankLines = true,
    };

    private sealed record BadRow(long Line, string Reason);

    /// <summary>What a chunk read: an error, or the rows to store, where the next chunk starts and the file's size.</summary>
    private sealed record ChunkRead(
        string? Error,
        List<NewRecord>? Batch = null,
        long Consumed = 0,
        ImportCheckpoint? Next = null,
        long Size = 0,
        ChunkOutcome? Outcome = null);

    private sealed record ImportResult(string FileName, long Rows, long Imported, long Bad, IReadOnlyList<BadRow> BadRows);

    /// <summary>
    /// Where the next chunk starts: the byte offset and line number after the last row read, the header's column
    /// positions, and the counts so far. Total is no longer used (rows were counted before the first chunk once).
    /// </summary>
    private sealed record ImportCheckpoint(
        long Total, long Bytes, long Line, int[]? Columns, long Imported, long Bad, IReadOnlyList<BadRow> BadRows, string? Problem)
    {
        public static ImportCheckpoint? Read(string? data) => data is null ? null : JsonSerializer.Deserialize<ImportCheckpoint>(data, HandlerJson.Options);

        public static string Write(ImportCheckpoint checkpoint) => JsonSerializer.Serialize(checkpoint, HandlerJson.Options);
    }
}
