namespace Tasker.Handlers;

/// <summary>The task types this silo knows, by name.</summary>
public sealed class TaskHandlerRegistry
{
    private readonly Dictionary<string, ITaskHandler> _handlers;

    public TaskHandlerRegistry(IEnumerable<ITaskHandler> handlers)
    {
        _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);
        Types = [.. _handlers.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>Every type name, sorted.</summary>
    public IReadOnlyList<string> Types { get; }

    public bool TryGet(string type, out ITaskHandler handler) => _handlers.TryGetValue(type, out handler!);

    public ITaskHandler Get(string type) =>
        _handlers.TryGetValue(type, out var handler) ? handler : throw new ArgumentException($"Unknown task type '{type}'.", nameof(type));
}
