using System.Globalization;
using Microsoft.Extensions.Options;
using Tasker.Files;
using Tasker.Handlers;
using Tasker.Records;
using Tasker.Tasks;

namespace Tasker.Grains.Tests.Exports;

/// <summary>
/// A csv-export chunk on its own, against the in-memory data set: its size is set by the chunk budget (reads of
/// <see cref="CsvExportHandler.ReadRows"/> rows while the budget lasts), bounded by chunk_rows, and chunks in a row
/// write every row once, in (date, id) order.
/// </summary>
public sealed class CsvExportChunkTests : IAsyncLifetime, IDisposable
{
    private const int Rows = 23_456;
    private static readonly TimeSpan _plenty = TimeSpan.FromMinutes(10);

    private readonly string _folder = Directory.CreateTempSubdirectory("tasker-export-").FullName;
    private readonly CountingRecordStore _store = new();
    private readonly CsvExportHandler _handler;

    public CsvExportChunkTests() =>
        _handler = new CsvExportHandler(_store, new TaskFiles(Options.Create(new FilesOptions { Path = _folder })), Options.Create(new CsvExportOptions()));

    public async Task InitializeAsync() =>
        await _store.AddAsync(DataSetGenerator.Source, [.. DataSetGenerator.Generate(Rows, seed: 7)], CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Parameters(int chunkRows) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"chunk_rows":{{chunkRows}},"from":"2010-01-01","till":"2019-12-31"}""");

    private Task<ChunkOutcome> ChunkAsync(string id, int chunkRows, TaskCheckpoint checkpoint, TimeSpan budget) =>
        _handler.RunChunkAsync(new ChunkContext(id, "tests", TaskPriority.Normal, Parameters(chunkRows), checkpoint, budget, null!), CancellationToken.None);

    [Fact]
    public async Task A_spent_budget_ends_the_chunk_after_one_read_whatever_chunk_rows_allows()
    {
        var outcome = await ChunkAsync(TaskIds.New(), 100_000, TaskCheckpoint.Start, TimeSpan.Zero);

        Assert.False(outcome.Finished);
        Assert.Equal(CsvExportHandler.ReadRows, outcome.Checkpoint.Position);
        Assert.Equal(1, _store.Reads);
    }

    [Fact]
    public async Task While_the_budget_lasts_a_chunk_reads_on_until_chunk_rows()
    {
        var outcome = await ChunkAsync(TaskIds.New(), 12_000, TaskCheckpoint.Start, _plenty);

        Assert.False(outcome.Finished);
        Assert.Equal(12_000, outcome.Checkpoint.Position);
        Assert.Equal([5_000, 5_000, 2_000], _store.Limits);
    }

    [Fact]
    public async Task With_budget_to_spare_one_chunk_writes_the_whole_range_and_finishes()
    {
        var outcome = await ChunkAsync(TaskIds.New(), 100_000, TaskCheckpoint.Start, _plenty);

        Assert.True(outcome.Finished);
        Assert.Equal(Rows, outcome.Checkpoint.Position);
        Assert.Equal(Rows, outcome.Progress.Total);
    }

    [Fact]
    public async Task Chunks_in_a_row_write_every_row_once_in_date_and_id_order()
    {
        var id = TaskIds.New();
        var checkpoint = TaskCheckpoint.Start;
        ChunkOutcome outcome;
        var chunks = 0;
        do
        {
            outcome = await ChunkAsync(id, 100_000, checkpoint, TimeSpan.Zero);
            checkpoint = outcome.Checkpoint;
            chunks++;
        }
        while (!outcome.Finished);

        Assert.Equal((Rows / CsvExportHandler.ReadRows) + 1, chunks);
        var lines = await File.ReadAllLinesAsync(Path.Combine(_folder, "exports", id + ".csv"));
        Assert.Equal(string.Join(',', CsvExportHandler.Columns), lines[0]);
        var written = lines.Skip(1).Select(l => l.Split(',')).Select(f => (Id: long.Parse(f[0], CultureInfo.InvariantCulture), Date: f[1])).ToList();
        Assert.Equal(Rows, written.Count);
        Assert.Equal(Rows, written.Select(r => r.Id).Distinct().Count());
        Assert.Equal(written.OrderBy(r => r.Date, StringComparer.Ordinal).ThenBy(r => r.Id), written);
    }

    /// <summary>The in-memory data set, counting the reads a chunk makes and the sizes it asks for.</summary>
    private sealed class CountingRecordStore : IRecordStore
    {
        private readonly InMemoryRecordStore _inner = new();
        private readonly List<int> _limits = [];

        public int Reads => _limits.Count;

        public IReadOnlyList<int> Limits => _limits;

        public Task<long> CountAsync(DateOnly from, DateOnly till, CancellationToken cancellationToken) => _inner.CountAsync(from, till, cancellationToken);

        public Task<IReadOnlyList<DataRecord>> ReadAsync(DateOnly from, DateOnly till, RecordCursor? after, int limit, CancellationToken cancellationToken)
        {
            lock (_limits)
            {
                _limits.Add(limit);
            }

            return _inner.ReadAsync(from, till, after, limit, cancellationToken);
        }

        public Task<int> AddAsync(string source, IReadOnlyList<NewRecord> rows, CancellationToken cancellationToken) => _inner.AddAsync(source, rows, cancellationToken);

        public Task<long> CountSourceAsync(string source, CancellationToken cancellationToken) => _inner.CountSourceAsync(source, cancellationToken);
    }
}
