namespace Tasker.Records;

/// <summary>The embedded mode's data set: one process, so one sorted set under a lock.</summary>
public sealed class InMemoryRecordStore : IRecordStore
{
    private static readonly Comparer<DataRecord> _order = Comparer<DataRecord>.Create((a, b) =>
        a.Date != b.Date ? a.Date.CompareTo(b.Date) : a.Id.CompareTo(b.Id));

    private readonly Lock _lock = new();
    private readonly SortedSet<DataRecord> _rows = new(_order);
    private readonly HashSet<(string Source, long Line)> _keys = [];
    private readonly Dictionary<string, long> _perSource = new(StringComparer.Ordinal);
    private long _lastId;

    public Task<long> CountAsync(DateOnly from, DateOnly till, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(till < from ? 0L : _rows.GetViewBetween(Lowest(from), Highest(till)).Count);
        }
    }

    public Task<IReadOnlyList<DataRecord>> ReadAsync(DateOnly from, DateOnly till, RecordCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        lock (_lock)
        {
            var lower = after is null ? Lowest(from) : Key(after.Date, after.Id + 1);
            if (after is not null && after.Date < from)
            {
                lower = Lowest(from);
            }

            var upper = Highest(till);
            IReadOnlyList<DataRecord> page = _order.Compare(lower, upper) > 0
                ? []
                : [.. _rows.GetViewBetween(lower, upper).Take(limit)];
            return Task.FromResult(page);
        }
    }

    public Task<int> AddAsync(string source, IReadOnlyList<NewRecord> rows, CancellationToken cancellationToken)
    {
        var added = 0;
        lock (_lock)
        {
            foreach (var row in rows)
            {
                if (_keys.Add((source, row.Line)))
                {
                    _rows.Add(new DataRecord(++_lastId, row.Date, row.Name, row.Email, row.City, row.Amount));
                    added++;
                }
            }

            _perSource[source] = _perSource.GetValueOrDefault(source) + added;
        }

        return Task.FromResult(added);
    }

    public Task<long> CountSourceAsync(string source, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_perSource.GetValueOrDefault(source));
        }
    }

    private static DataRecord Key(DateOnly date, long id) => new(id, date, "", "", "", 0);

    private static DataRecord Lowest(DateOnly date) => Key(date, long.MinValue);

    private static DataRecord Highest(DateOnly date) => Key(date, long.MaxValue);
}
