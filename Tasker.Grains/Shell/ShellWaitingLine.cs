namespace Tasker.Shell;

/// <summary>
/// The order in which agents get queued shell tasks: priority first (high, normal, low); within a priority, the
/// client served least recently goes first, so that one client's thousand tasks do not hold back another's one;
/// within a client, the earliest created (then the id). Pure and in memory: the queue grain stores the entries.
/// </summary>
public sealed class ShellWaitingLine
{
    private const int PriorityLevels = 3;

    // Per priority: each client's waiting tasks in age order. A client without waiting tasks has no set.
    private readonly Dictionary<string, SortedSet<ShellQueueEntry>>[] _lanes =
        [.. Enumerable.Range(0, PriorityLevels).Select(_ => new Dictionary<string, SortedSet<ShellQueueEntry>>(StringComparer.Ordinal))];

    private readonly Dictionary<string, ShellQueueEntry> _byId = new(StringComparer.Ordinal);

    // When each client was last served; kept only for clients with waiting tasks, so it is bounded by the line.
    private readonly Dictionary<string, long> _lastServed = new(StringComparer.Ordinal);
    private long _turn;

    public int Count => _byId.Count;

    public IEnumerable<ShellQueueEntry> Entries => _byId.Values;

    public bool Contains(string taskId) => _byId.ContainsKey(taskId);

    /// <summary>Adds an entry; false when its task is already in line.</summary>
    public bool Add(ShellQueueEntry entry)
    {
        if (!_byId.TryAdd(entry.TaskId, entry))
        {
            return false;
        }

        var lane = _lanes[Rank(entry.Priority)];
        var client = ClientOf(entry);
        if (!lane.TryGetValue(client, out var tasks))
        {
            lane[client] = tasks = new SortedSet<ShellQueueEntry>(ByAge.Instance);
        }

        tasks.Add(entry);
        return true;
    }

    /// <summary>Takes a task out of line (picked elsewhere, cancelled, ended); false when it was not in line.</summary>
    public bool Remove(string taskId)
    {
        if (!_byId.Remove(taskId, out var entry))
        {
            return false;
        }

        var lane = _lanes[Rank(entry.Priority)];
        var client = ClientOf(entry);
        if (lane.TryGetValue(client, out var tasks) && tasks.Remove(entry) && tasks.Count == 0)
        {
            lane.Remove(client);
            if (!_lanes.Any(l => l.ContainsKey(client)))
            {
                _lastServed.Remove(client);
            }
        }

        return true;
    }

    /// <summary>The next task by priority, then the least recently served client, then age; null when none waits.</summary>
    public ShellQueueEntry? Take()
    {
        foreach (var lane in _lanes)
        {
            if (lane.Count == 0)
            {
                continue;
            }

            SortedSet<ShellQueueEntry>? chosen = null;
            var chosenServed = long.MaxValue;
            foreach (var (client, tasks) in lane)
            {
                var served = _lastServed.GetValueOrDefault(client, -1);
                if (chosen is null || served < chosenServed
                    || (served == chosenServed && ByAge.Instance.Compare(tasks.Min, chosen.Min) < 0))
                {
                    chosen = tasks;
                    chosenServed = served;
                }
            }

            var next = chosen!.Min!;
            Remove(next.TaskId);
            if (_lanes.Any(l => l.ContainsKey(ClientOf(next))))
            {
                _lastServed[ClientOf(next)] = ++_turn;
            }

            return next;
        }

        return null;
    }

    private static string ClientOf(ShellQueueEntry entry) => entry.Client ?? "";

    private static int Rank(TaskPriority priority) => priority switch
    {
        TaskPriority.High => 0,
        TaskPriority.Normal => 1,
        _ => 2,
    };

    /// <summary>The earliest created first; the id breaks ties.</summary>
    private sealed class ByAge : IComparer<ShellQueueEntry>
    {
        public static readonly ByAge Instance = new();

        public int Compare(ShellQueueEntry? x, ShellQueueEntry? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            if (x is null || y is null)
            {
                return x is null ? -1 : 1;
            }

            var byAge = x.CreatedAt.CompareTo(y.CreatedAt);
            return byAge != 0 ? byAge : string.CompareOrdinal(x.TaskId, y.TaskId);
        }
    }
}
