using System.Text.Json;
using Tasker.Handlers;
using Tasker.Secrets;

namespace Tasker.Chat;

/// <summary>
/// The <c>api_key</c> parameter of the chat types: required unless <see cref="ChatOptions.ApiKey"/> is configured, and
/// shaped so that it can go into an Authorization header. It stays in the task's stored parameters (a task resumed on
/// another silo needs it), encrypted (<see cref="SecretParameters"/>), and is redacted wherever a task is shown.
/// </summary>
public static class ChatApiKey
{
    /// <summary>The parameter's name.</summary>
    public const string Parameter = "api_key";

    /// <summary>The failure of a task accepted on the configured key after that key was removed.</summary>
    public const string Missing = "no API key: the request has no api_key and none is configured";

    private const int MaxLength = 512;

    /// <summary>True when the key is 1–512 printable ASCII characters with no spaces (what a bearer token may hold).</summary>
    public static bool IsWellFormed(string key) =>
        key.Length is > 0 and <= MaxLength && key.All(c => c is > ' ' and <= '~');

    /// <summary>
    /// Reads <c>api_key</c>: required when no key is configured, optional otherwise (absent or null), and shaped so that
    /// it can go into an Authorization header.
    /// </summary>
    public static void Read(ParameterReader reader, bool configured)
    {
        var key = configured ? reader.OptionalText(Parameter, MaxLength) : reader.Text(Parameter, MaxLength);
        if (key is { Length: > 0 } && !IsWellFormed(key))
        {
            reader.Reject(Parameter, "must be printable ASCII without spaces");
        }
    }

    /// <summary>The key the call uses: the request's own (decrypted), else the configured one, else null.</summary>
    public static async Task<string?> ChooseAsync(JsonElement canonicalParameters, ChatOptions options, SecretParameters secrets) =>
        canonicalParameters.TryGetProperty(Parameter, out var key) && key.GetString() is { Length: > 0 } own
            ? await secrets.OpenAsync(own)
            : options.ApiKey is { Length: > 0 } configured ? configured : null;
}
