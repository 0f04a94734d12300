using Microsoft.Extensions.Options;

namespace Tasker.Clients;

/// <summary>
/// Embedded mode's histories: one id-ordered index of every line, and one per client, both trees, under one lock.
/// A client's listing walks its own tree; a listing across clients walks the shared one (docs/adr/017), so neither
/// costs more than the lines it reads, and recording a line costs a logarithm, whatever the number of clients.
/// Ended tasks are also kept in order of their end, one tree per final status, until they are forgotten (trimming a
/// client's history leaves them there): the retention sweep reads the oldest of them (docs/adr/020).
/// </summary>
public sealed class InMemoryHistoryStore(IOptions<TaskerOptions> options) : IHistoryStore
{
    private static readonly IComparer<Line> _byId = Comparer<Line>.Create((a, b) => string.CompareOrdinal(a.TaskId, b.TaskId));

    private readonly Lock _lock = new();
    private readonly SortedSet<Line> _all = new(_byId);
    private readonly Dictionary<string, History> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EndedTask> _ended = new(StringComparer.Ordinal);
    private readonly Dictionary<TaskPhase, SortedSet<EndedTask>> _endedByStatus = new()
    {
        [TaskPhase.Succeeded] = new(_byEnd),
        [TaskPhase.Failed] = new(_byEnd),
        [TaskPhase.Cancelled] = new(_byEnd),
    };

    private static readonly IComparer<EndedTask> _byEnd = Comparer<EndedTask>.Create((a, b) =>
        a.FinishedAt != b.FinishedAt ? a.FinishedAt.CompareTo(b.FinishedAt) : string.CompareOrdinal(a.TaskId, b.TaskId));

    public Task RecordAsync(string client, ClientTaskEntry entry, CancellationToken cancellationToken = default)
    {
        var cap = options.Value.MaxHistoryPerClient;
        lock (_lock)
        {
            if (entry.Phase.IsFinal() && entry.FinishedAt is { } finishedAt && !_ended.ContainsKey(entry.TaskId))
            {
                var ended = new EndedTask(client, entry.TaskId, entry.Phase, finishedAt);
                _ended.Add(ended.TaskId, ended);
                _endedByStatus[ended.Phase].Add(ended);
            }

            if (!_clients.TryGetValue(client, out var history))
            {
                history = new History();
                _clients.Add(client, history);
            }

            if (history.Lines.TryGetValue(Line.Probe(entry.TaskId), out var known))
            {
                // An end is never overwritten by an earlier phase that arrives late (a progress line of a run gone by).
                if (!known.Entry.Phase.IsFinal() || entry.Phase.IsFinal())
                {
                    known.Entry = entry;
                }

                return Task.CompletedTask;
            }

            var line = new Line(client, entry);
            history.Lines.Add(line);
            _all.Add(line);
            history.Recorded++;
            while (history.Lines.Count > cap)
            {
                var oldest = history.Lines.Min!;
                history.Lines.Remove(oldest);
                _all.Remove(oldest);
            }
        }

        return Task.CompletedTask;
    }

    public Task ForgetAsync(string client, string taskId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_clients.TryGetValue(client, out var history) && history.Lines.TryGetValue(Line.Probe(taskId), out var line))
            {
                history.Lines.Remove(line);
                _all.Remove(line);
            }

            if (_ended.Remove(taskId, out var ended))
            {
                _endedByStatus[ended.Phase].Remove(ended);
            }
        }

        return Task.CompletedTask;
    }

    public Task PostponeAsync(IReadOnlyList<EndedTask> tasks, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var task in tasks)
            {
                if (_ended.TryGetValue(task.TaskId, out var ended))
                {
                    _endedByStatus[ended.Phase].Remove(ended);
                    var moved = ended with { FinishedAt = task.FinishedAt };
                    _ended[ended.TaskId] = moved;
                    _endedByStatus[moved.Phase].Add(moved);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<EndedTask>> FindExpiredAsync(ExpiryQuery query, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            // Oldest end first across the three trees: the expired by age, then the oldest beyond the cap.
            var expired = new List<EndedTask>(Math.Min(query.Limit, 256));
            var beyondCap = Math.Max(0, _ended.Count - query.MaxEnded);
            var cursors = _endedByStatus.Values.Select(tree => ((IEnumerable<EndedTask>)tree).GetEnumerator()).Where(c => c.MoveNext()).ToList();
            while (expired.Count < query.Limit && cursors.Count > 0)
            {
                var oldest = cursors.MinBy(c => c.Current, _byEnd)!;
                var task = oldest.Current;
                if (task.FinishedAt >= query.Before(task.Phase) && expired.Count >= beyondCap)
                {
                    // Neither old enough nor beyond the cap: the rest of its tree is younger still.
                    cursors.Remove(oldest);
                    continue;
                }

                expired.Add(task);
                if (!oldest.MoveNext())
                {
                    cursors.Remove(oldest);
                }
            }

            return Task.FromResult<IReadOnlyList<EndedTask>>(expired);
        }
    }

    public Task<HistoryPage> QueryAsync(string client, HistoryQuery query, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_clients.TryGetValue(client, out var history))
            {
                return Task.FromResult(new HistoryPage([], null, 0));
            }

            var (lines, next) = Page(history.Lines, query);
            return Task.FromResult(new HistoryPage([.. lines.Select(l => l.Entry)], next, history.Recorded));
        }
    }

    public Task<ListingPage> QueryAllAsync(HistoryQuery query, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var (lines, next) = Page(_all, query);
            return Task.FromResult(new ListingPage([.. lines.Select(l => new ListedTask(l.Client, l.Entry))], next));
        }
    }

    /// <summary>Up to a page of lines before the cursor, newest first, that pass the filters; the next cursor or null.</summary>
    private static (List<Line> Lines, string? Next) Page(SortedSet<Line> lines, HistoryQuery query)
    {
        var page = new List<Line>(Math.Min(query.Limit, 64));
        if (lines.Count == 0)
        {
            return (page, null);
        }

        var range = query.Before is { } before
            ? (string.CompareOrdinal(before, lines.Min!.TaskId) <= 0 ? null : lines.GetViewBetween(lines.Min!, Line.Probe(before)))
            : lines;
        foreach (var line in range?.Reverse() ?? [])
        {
            if (line.TaskId == query.Before || !HistoryFilter.Matches(query, line.Entry))
            {
                continue;
            }

            if (page.Count == query.Limit)
            {
                return (page, page[^1].TaskId);
            }

            page.Add(line);
        }

        return (page, null);
    }

    private sealed class History
    {
        public SortedSet<Line> Lines { get; } = new(_byId);

        public long Recorded { get; set; }
    }

    /// <summary>A line in both trees; its entry changes in place (the trees order by the id, which never changes).</summary>
    private sealed class Line(string client, ClientTaskEntry entry)
    {
        public string Client { get; } = client;

        public ClientTaskEntry Entry { get; set; } = entry;

        public string TaskId => Entry.TaskId;

        public static Line Probe(string taskId) => new("", new ClientTaskEntry(taskId, "", default, false, default, null));
    }
}

/// <summary>The type and status filters of a history query.</summary>
public static class HistoryFilter
{
    public static bool Matches(HistoryQuery query, ClientTaskEntry entry) =>
        (query.Type is null || entry.Type == query.Type) && (query.Phase is not { } phase || entry.Phase == phase);
}
