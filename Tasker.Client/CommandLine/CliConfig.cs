using System.Text.Json;

namespace Tasker.Client.CommandLine;

/// <summary>
/// What <c>tasker login</c> saves for later commands: the server's URL and an API key for it. Kept in
/// <c>$TASKER_CONFIG</c>, else <c>$XDG_CONFIG_HOME/tasker/config.json</c>, else <c>~/.config/tasker/config.json</c>,
/// readable by its owner only (0600). Never a password: a password is for the web page and Basic auth.
/// </summary>
/// <param name="Url">The server the key belongs to; the key is sent to this server only.</param>
/// <param name="ApiKey">The key, as <c>Authorization: Bearer</c>.</param>
internal sealed record CliConfig(string Url, string ApiKey)
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Where the file is for this user and environment.</summary>
    public static string Path()
    {
        if (Environment.GetEnvironmentVariable("TASKER_CONFIG") is { Length: > 0 } explicitPath)
        {
            return explicitPath;
        }

        var home = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return System.IO.Path.Combine(home, "tasker", "config.json");
    }

    /// <summary>The saved login; null when there is none. A file that is not ours to read is a usage error that says so.</summary>
    public static CliConfig? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        if (IsExposed(path))
        {
            throw new UsageException($"{path} holds an API key and others may read it: chmod 600 {path}");
        }

        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(path), _json) is { Url.Length: > 0, ApiKey.Length: > 0 } config ? config : null;
        }
        catch (JsonException exception)
        {
            throw new UsageException($"{path} is not a tasker login file ({exception.Message}); run 'tasker logout' and log in again");
        }
    }

    /// <summary>
    /// Writes the file readable by its owner only: written beside it as 0600 and then moved over it, so the key is
    /// never in a file others may read, not even for a moment.
    /// </summary>
    public void Save(string path)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder); // The profile's own ACL: its owner only.
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            options.UnixCreateMode = OwnerOnly;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, this, _json);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Removes the file; false when there was none.</summary>
    public static bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>True when others than the owner may read or change the file (then it is not used).</summary>
    public static bool IsExposed(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~(OwnerOnly | UnixFileMode.UserExecute)) != 0;

    /// <summary>Hides the key when the record is printed or logged.</summary>
    public override string ToString() => $"CliConfig {{ Url = {Url}, ApiKey = *** }}";
}
