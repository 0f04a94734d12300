using System.Collections.Concurrent;

namespace Tasker.Tasks;

/// <summary>
/// The task grains activated on this silo, counted from their construction (before their state is read) to their
/// deactivation. When this silo is the whole cluster (embedded mode), a task missing here has no activation anywhere,
/// so its stored state can be changed without its grain (<see cref="InstantTasks.TryExpireStoredAsync"/>).
/// </summary>
public sealed class TaskActivations(bool wholeCluster)
{
    private readonly ConcurrentDictionary<string, int> _active = new(StringComparer.Ordinal);

    /// <summary>Whether this silo is the only one, so that what is not active here is active nowhere.</summary>
    public bool WholeCluster { get; } = wholeCluster;

    /// <summary>Counts an activation of task <paramref name="id"/>; returns the id.</summary>
    public string Enter(string id)
    {
        _active.AddOrUpdate(id, 1, (_, count) => count + 1);
        return id;
    }

    public void Leave(string id)
    {
        while (_active.TryGetValue(id, out var count))
        {
            if (count <= 1 ? _active.TryRemove(new KeyValuePair<string, int>(id, count)) : _active.TryUpdate(id, count - 1, count))
            {
                return;
            }
        }
    }

    public bool IsActive(string id) => _active.ContainsKey(id);
}
