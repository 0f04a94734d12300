namespace Tasker.Handlers;

/// <summary>The task types this silo knows, by name.</summary>
public sealed class TaskHandlerRegistry
{
    private readonly Dictionary<string, ITaskHandler> _handlers;

    public TaskHandlerRegistry(IEnumerable<ITaskHandler> handlers)
    {
        _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);
        if (_handlers.Values.FirstOrDefault(h => h.CacheScope == CacheScope.PerClient && h is not IInstantTaskHandler) is { } unsupported)
        {
            // The long types' cache grain (docs/adr/003) is keyed by type and parameters alone: it would share the result.
            throw new InvalidOperationException($"Task type '{unsupported.Type}': a per-client result cache is kept for short types only.");
        }

        Types = [.. _handlers.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>Every type name, sorted.</summary>
    public IReadOnlyList<string> Types { get; }

    public bool TryGet(string type, out ITaskHandler handler) => _handlers.TryGetValue(type, out handler!);

    public ITaskHandler Get(string type) =>
        _handlers.TryGetValue(type, out var handler) ? handler : throw new ArgumentException($"Unknown task type '{type}'.", nameof(type));
}
