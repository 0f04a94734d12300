using System.CommandLine;
using System.Net.Http.Headers;
using Spectre.Console;

namespace Tasker.Client.CommandLine;

/// <summary>
/// What every command's action works with: the parsed command line, the writers, and the server, resolved once:
/// <c>--url</c>, else <c>TASKER_URL</c>, else the URL saved by <c>tasker login</c>, else <see cref="Cli.DefaultUrl"/>.
/// The API key is <c>TASKER_API_KEY</c>, else the saved one, and the saved one goes only to the URL it was saved for.
/// </summary>
internal sealed class CliContext(CliIo io, HttpClient? injected) : IDisposable
{
    private HttpClient? _owned;
    private HttpClient? _http;

    public required ParseResult Parse { get; init; }

    public CliIo Io => io;

    /// <summary>The HTTP client the caller gave, if any (tests, hosts).</summary>
    public HttpClient? Injected => injected;

    /// <summary><c>--json</c>: machine-readable output, no colours, no tables, no bars.</summary>
    public bool Json => Parse.GetValue(GlobalOptions.Json);

    /// <summary>Tables and text on stdout (ANSI only on a terminal).</summary>
    public IAnsiConsole Out => field ??= Output.Console(io.Stdout, io.StdoutIsTerminal && !Json);

    /// <summary>Progress on stderr (live bars only on a terminal and without <c>--json</c>).</summary>
    public IAnsiConsole Err => field ??= Output.Console(io.Stderr, io.StderrIsTerminal && !Json);

    public bool LiveProgress => io.StderrIsTerminal && !Json;

    /// <summary>The HTTP client on the server, signed in with the API key when there is one.</summary>
    public HttpClient Http => _http ??= Connect();

    public TaskerClient Client => field ??= new TaskerClient(Http);

    /// <summary>The server's URL as the command line and environment give it (without the saved login).</summary>
    public string? ExplicitUrl =>
        Parse.GetValue(GlobalOptions.Url) ?? (Environment.GetEnvironmentVariable("TASKER_URL") is { Length: > 0 } url ? url : null);

    public void Dispose() => _owned?.Dispose();

    private HttpClient Connect()
    {
        var saved = CliConfig.Load(CliConfig.Path());
        var url = new Uri(ExplicitUrl ?? saved?.Url ?? Cli.DefaultUrl);
        var client = injected ?? (_owned = new HttpClient());
        // An injected client (tests, hosts) keeps its own base address.
        client.BaseAddress ??= url;
        var key = Environment.GetEnvironmentVariable("TASKER_API_KEY") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : saved is not null && SameServer(new Uri(saved.Url), client.BaseAddress) ? saved.ApiKey : null;
        if (key is not null && client.DefaultRequestHeaders.Authorization is null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    private static bool SameServer(Uri saved, Uri used) =>
        Uri.Compare(saved, used, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
        && string.Equals(saved.AbsolutePath.TrimEnd('/'), used.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal);

    /// <summary>Reads one secret line from stdin (for <c>--api-key-stdin</c>, <c>--password-stdin</c>); a usage error when there is none.</summary>
    public async Task<string> ReadSecretLineAsync(string option, CancellationToken cancellationToken)
    {
        var line = await io.Stdin.ReadLineAsync(cancellationToken);
        return string.IsNullOrEmpty(line) ? throw new UsageException($"{option} read nothing from stdin") : line.TrimEnd('\r');
    }
}
