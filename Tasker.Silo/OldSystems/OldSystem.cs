namespace Tasker.Silo.OldSystems;

/// <summary>
/// Endpoint metadata on every route of one old system: its number, and the client its requests are recorded under
/// when they name none.
/// </summary>
public sealed record OldSystem(string Number, string DefaultClient)
{
    /// <summary>The old system whose route is serving this request.</summary>
    public static OldSystem Of(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<OldSystem>()
        ?? throw new InvalidOperationException("The endpoint serving this request is not an old system's route.");

    /// <summary>The client a request that names none belongs to: the signed-in user's name, else the configured client.</summary>
    public static string ClientOf(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } name } && ClientNames.IsValid(name) ? name : Of(context).DefaultClient;

    /// <summary>
    /// The errors of a check made under the canonical names (<c>client</c>, <c>type</c>, <c>params.first</c>), renamed to an
    /// old system's words: a name in <paramref name="names"/> becomes its value, in the key and where a message starts with it;
    /// <c>params</c> and <c>params.*</c> take <paramref name="parameters"/> instead of <c>params</c> when given.
    /// </summary>
    public static Dictionary<string, string[]> Rename(
        IDictionary<string, string[]> errors, IReadOnlyDictionary<string, string> names, string? parameters = null)
    {
        var renamed = new Dictionary<string, string[]>();
        foreach (var (key, messages) in errors)
        {
            var name = names.TryGetValue(key, out var mapped) ? mapped
                : parameters is not null && key == "params" ? parameters
                : parameters is not null && key.StartsWith("params.", StringComparison.Ordinal) ? parameters + key["params".Length..]
                : key;
            renamed[name] = [.. messages.Select(m => m.StartsWith(key, StringComparison.Ordinal) ? name + m[key.Length..] : m)];
        }

        return renamed;
    }
}
