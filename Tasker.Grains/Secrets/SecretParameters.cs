using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tasker.Secrets;

/// <summary>Encrypts and decrypts one secret value (ASP.NET Core Data Protection in the silo, docs/adr/018).</summary>
public interface ISecretProtector
{
    /// <summary>The value encrypted, as printable text.</summary>
    string Protect(string plaintext);

    /// <summary>The value back; throws <see cref="System.Security.Cryptography.CryptographicException"/> when the key ring cannot open it.</summary>
    string Unprotect(string protectedText);
}

/// <summary>
/// Parameters that are secrets (those a handler declares as <see cref="Handlers.ParameterKind.Secret"/>, e.g. a chat
/// <c>api_key</c>) are stored encrypted in a task's parameters, so that a dump of
/// the grain state reveals no key; they are decrypted only where a handler uses them (docs/adr/018). A sealed value
/// is the text <c>dp1:</c> followed by the protected value; a value without that prefix (a task stored before) is
/// used as it is.
/// </summary>
public sealed class SecretParameters(ISecretProtector protector)
{
    private const string Prefix = "dp1:";

    /// <summary>The canonical parameters with each secret value (of the parameters <paramref name="names"/>) encrypted; the same text when there is none.</summary>
    public string Seal(string parametersJson, IEnumerable<string> names) => Rewrite(parametersJson, names, value => value.StartsWith(Prefix, StringComparison.Ordinal) ? value : Prefix + protector.Protect(value));

    /// <summary>The parameters with each sealed value decrypted, written as <see cref="Seal"/> writes them.</summary>
    public string Reveal(string parametersJson, IEnumerable<string> names) => Rewrite(parametersJson, names, Open);

    /// <summary>A secret value as the handler uses it: decrypted when sealed, as it is otherwise.</summary>
    public string Open(string value) =>
        value.StartsWith(Prefix, StringComparison.Ordinal) ? protector.Unprotect(value[Prefix.Length..]) : value;

    /// <summary>
    /// <see cref="Open"/> off the caller's thread: Data Protection may read its key ring synchronously (from PostgreSQL
    /// in cluster mode), which must not happen on a grain's turn (docs: external tasks and grains).
    /// </summary>
    public Task<string> OpenAsync(string value) =>
        value.StartsWith(Prefix, StringComparison.Ordinal) ? Task.Run(() => Open(value)) : Task.FromResult(value);

    /// <summary>True for a value that <see cref="Seal"/> encrypted: a view shows it as hidden whatever its type.</summary>
    public static bool IsSealed(string value) => value.StartsWith(Prefix, StringComparison.Ordinal);

    private static string Rewrite(string parametersJson, IEnumerable<string> secretNames, Func<string, string> change)
    {
        var names = secretNames.Where(name => parametersJson.Contains($"\"{name}\"", StringComparison.Ordinal)).ToList();
        if (names.Count == 0 || JsonNode.Parse(parametersJson) is not JsonObject parameters)
        {
            return parametersJson;
        }

        var changed = false;
        foreach (var name in names)
        {
            if (parameters[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0)
            {
                parameters[name] = change(text);
                changed = true;
            }
        }

        if (!changed)
        {
            return parametersJson;
        }

        // Written as the canonical parameters are (Utf8JsonWriter's defaults), so that the other values keep their text.
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            parameters.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
