using System.CommandLine;
using Spectre.Console;

namespace Tasker.Client.CommandLine;

/// <summary>
/// <c>tasker login</c> and <c>tasker logout</c>: save (or forget) the server's URL and an API key for the commands
/// that follow, in <see cref="CliConfig"/>'s file. The key is read from stdin or a prompt, never from an argument
/// (arguments show in <c>ps</c> and in the shell's history).
/// </summary>
internal static class LoginCommands
{
    public static IEnumerable<Command> Create(Func<ParseResult, CliContext> contextOf)
    {
        var fromStdin = new Option<bool>("--api-key-stdin") { Description = "Read the API key from the first line of stdin (else $TASKER_API_KEY, else a prompt on a terminal)" };
        var login = new Command("login", "Check an API key against the server and save it with the server's URL for later commands (a file only you can read)") { fromStdin };
        login.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var key = parse.GetValue(fromStdin) ? await context.ReadSecretLineAsync("--api-key-stdin", cancellationToken)
                : Environment.GetEnvironmentVariable("TASKER_API_KEY") is { Length: > 0 } fromEnvironment ? fromEnvironment
                : context.Io.StdinIsTerminal && context.Io.StderrIsTerminal ? await PromptAsync(context, cancellationToken)
                : throw new UsageException("login needs an API key: --api-key-stdin, TASKER_API_KEY, or run it on a terminal to be asked");
            var url = context.ExplicitUrl ?? Cli.DefaultUrl;
            await CheckAsync(context, new Uri(url), key, cancellationToken);

            var path = CliConfig.Path();
            new CliConfig(url, key).Save(path);
            if (context.Json)
            {
                await Output.WriteJsonAsync(context.Io.Stdout, new { url, config = path });
            }
            else
            {
                context.Out.WriteLine($"Logged in to {url}; the key is saved in {path} (mode 600).");
            }

            return ExitCodes.Ok;
        });
        yield return login;

        var logout = new Command("logout", "Forget the saved URL and API key");
        logout.SetAction(async parse =>
        {
            var context = contextOf(parse);
            var path = CliConfig.Path();
            var removed = CliConfig.Delete(path);
            if (context.Json)
            {
                await Output.WriteJsonAsync(context.Io.Stdout, new { removed, config = path });
            }
            else
            {
                context.Out.WriteLine(removed ? $"Logged out: {path} removed." : "Not logged in.");
            }

            return ExitCodes.Ok;
        });
        yield return logout;
    }

    private static async Task<string> PromptAsync(CliContext context, CancellationToken cancellationToken) =>
        await new TextPrompt<string>("API key:").Secret().ShowAsync(Output.Console(context.Io.Stderr, terminal: true), cancellationToken);

    /// <summary>
    /// One cheap call signed in with the key (a one-task listing): 401 means the key is wrong, and the server's
    /// problem says so. With authentication off every key passes: the server asks for none.
    /// </summary>
    private static async Task CheckAsync(CliContext context, Uri url, string key, CancellationToken cancellationToken)
    {
        using var owned = new HttpClient();
        var http = context.Injected ?? owned;
        http.BaseAddress ??= url;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(http.BaseAddress, "tasks?limit=1"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemReader.ReadAsync(response, cancellationToken);
        }
    }
}
