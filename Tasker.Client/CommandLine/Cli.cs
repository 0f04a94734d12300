using Tasker.Client.CommandLine.Verbs;

namespace Tasker.Client.CommandLine;

/// <summary>
/// The <c>tasker</c> command line: <c>tasker [--url URL] &lt;verb&gt; [arguments]</c>. Callable in-process so
/// that tests (and hosts) can run it with their own writers and <see cref="HttpClient"/>.
/// </summary>
public static class Cli
{
    /// <summary>The server used when neither <c>--url</c> nor <c>TASKER_URL</c> says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5000";

    private static readonly Dictionary<string, IVerb> _verbs = new IVerb[]
    {
        new SubmitVerb(),
        new GetVerb(),
        new WaitVerb(),
        new ListVerb(),
        new ControlVerb("pause", (client, id, ct) => client.PauseAsync(id, ct)),
        new ControlVerb("resume", (client, id, ct) => client.ResumeAsync(id, ct)),
        new ControlVerb("cancel", (client, id, ct) => client.CancelAsync(id, ct)),
        new AgentVerb(),
    }.ToDictionary(v => v.Name, StringComparer.Ordinal);

    /// <summary>Runs one command and returns its exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="stdout">Where results go (JSON).</param>
    /// <param name="stderr">Where errors, usage and progress lines go.</param>
    /// <param name="http">
    /// The HTTP client to use; when null, one is made for <c>--url</c>. An injected client keeps its base address;
    /// it is given <c>--url</c>'s only when it has none.
    /// </param>
    /// <param name="cancellationToken">Stops the command (Ctrl+C).</param>
    public static async Task<int> RunAsync(
        string[] args, TextWriter stdout, TextWriter stderr, HttpClient? http = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        Uri? server = null;
        try
        {
            var (url, rest) = SplitGlobalOptions(args);
            if (rest.Count == 0)
            {
                throw new UsageException("missing <verb>");
            }

            if (rest[0] is "help" or "--help" or "-h")
            {
                await stdout.WriteLineAsync(Usage.Text);
                return ExitCodes.Ok;
            }

            if (!_verbs.TryGetValue(rest[0], out var verb))
            {
                throw new UsageException($"unknown verb '{rest[0]}'");
            }

            var arguments = Arguments.Parse([.. rest.Skip(1)], verb.ValuedOptions, verb.Flags);
            using var owned = http is null ? new HttpClient() : null;
            var client = http ?? owned!;
            client.BaseAddress ??= url;
            if (Environment.GetEnvironmentVariable("TASKER_API_KEY") is { Length: > 0 } apiKey && client.DefaultRequestHeaders.Authorization is null)
            {
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
            }

            server = client.BaseAddress;
            return await verb.RunAsync(arguments, new VerbContext(new TaskerClient(client), stdout, stderr, cancellationToken) { Http = client });
        }
        catch (UsageException usage)
        {
            await Output.WriteErrorAsync(stderr, usage.Message);
            await stderr.WriteLineAsync(Usage.Text);
            return ExitCodes.Error;
        }
        catch (TaskerApiException error)
        {
            await Output.WriteErrorAsync(stderr, error);
            return ExitCodes.Error;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Output.WriteErrorAsync(stderr, "interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            // Unreachable server, HttpClient's own timeout, or an answer that is not Tasker's JSON.
            await Output.WriteErrorAsync(stderr, $"{server}: {failure.Message}");
            return ExitCodes.Error;
        }
    }

    private static (Uri Url, List<string> VerbAndArguments) SplitGlobalOptions(string[] args)
    {
        string? urlText = null;
        var rest = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--url")
            {
                urlText = i + 1 < args.Length ? args[++i] : throw new UsageException("--url needs a value");
            }
            else if (args[i].StartsWith("--url=", StringComparison.Ordinal))
            {
                urlText = args[i]["--url=".Length..];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        urlText ??= Environment.GetEnvironmentVariable("TASKER_URL") is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultUrl;
        return Uri.TryCreate(urlText, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? (url, rest)
            : throw new UsageException($"--url must be an http or https URL, not '{urlText}'");
    }
}
