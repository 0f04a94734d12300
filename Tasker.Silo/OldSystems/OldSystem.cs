using System.Text.Json;
using Tasker.Silo.FrontEnd;

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

    /// <summary>
    /// An old system's submission once its adapter has read the request in the old system's words: the task checked as
    /// POST /tasks checks it, the check's errors renamed by <paramref name="rename"/> and added to the adapter's own
    /// (<paramref name="errors"/>, which win on a field they share: they name what the old client sent), one 400 naming
    /// them all, else the task submitted through the one seam (docs/adr/028).
    /// </summary>
    public static async Task<Outcome<TaskSnapshot, Status.Submission>> CheckAndSubmitAsync(
        HttpContext context, TaskRequestReader reader, TaskSubmitter submitter, Request request, Dictionary<string, string[]> errors,
        Func<IDictionary<string, string[]>, IEnumerable<KeyValuePair<string, string[]>>> rename, string invalidTitle)
    {
        var checkErrors = new Dictionary<string, string[]>();
        var submission = reader.Check(context.Request, request.Type, request.Parameters, request.Client, TaskPriority.Normal, checkErrors);
        foreach (var (field, messages) in rename(checkErrors))
        {
            errors.TryAdd(field, messages);
        }

        return errors.Count > 0 || submission is null
            ? Problems.Invalid(errors, invalidTitle).As<Status.Submission>()
            : await submitter.SubmitAsync(context, submission);
    }

    /// <summary>A task as an old system's request names it, in Tasker's terms.</summary>
    public sealed record Request(string? Type, JsonElement? Parameters, string? Client);
}
