namespace Tasker.Records;

/// <summary>
/// The data set, outside any grain's state: in memory in embedded mode, a PostgreSQL table in cluster mode,
/// so that every silo reads and writes the same rows (ADR 007).
/// </summary>
public interface IRecordStore
{
    /// <summary>Rows dated from <paramref name="from"/> to <paramref name="till"/>, both inclusive.</summary>
    Task<long> CountAsync(DateOnly from, DateOnly till, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> rows dated in [from, till], in (date, id) order, starting after
    /// <paramref name="after"/> (from the first row when null).
    /// </summary>
    Task<IReadOnlyList<DataRecord>> ReadAsync(DateOnly from, DateOnly till, RecordCursor? after, int limit, CancellationToken cancellationToken);

    /// <summary>Stores rows that are not stored yet (by source and line); returns how many were new.</summary>
    Task<int> AddAsync(string source, IReadOnlyList<NewRecord> rows, CancellationToken cancellationToken);

    /// <summary>How many rows came from <paramref name="source"/>.</summary>
    Task<long> CountSourceAsync(string source, CancellationToken cancellationToken);

    /// <summary>
    /// Lays the rows out in (date, id) order where the store keeps its own order (a table's heap), so that reading a
    /// range walks it in place; called once the data set is seeded. Nothing to do where the order is kept already.
    /// </summary>
    Task ArrangeByDateAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
