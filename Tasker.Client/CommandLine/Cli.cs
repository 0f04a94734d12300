using System.CommandLine;
using System.CommandLine.Invocation;

namespace Tasker.Client.CommandLine;

/// <summary>
/// The <c>tasker</c> command line on System.CommandLine: <c>tasker [--url URL] [--json] &lt;command&gt; [arguments]</c>.
/// Callable in-process so that tests (and hosts) can run it with their own writers and <see cref="HttpClient"/>.
/// </summary>
public static class Cli
{
    /// <summary>The server used when neither <c>--url</c>, <c>TASKER_URL</c> nor a saved login says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5000";

    /// <summary>Runs one command and returns its exit code (see <see cref="ExitCodes"/>); no terminal: no colours, no bars.</summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="stdout">Where results go (tables and text, or JSON with <c>--json</c>).</param>
    /// <param name="stderr">Where errors, help after a usage error, and progress lines go.</param>
    /// <param name="http">
    /// The HTTP client to use; when null, one is made for <c>--url</c>. An injected client keeps its base address;
    /// it is given <c>--url</c>'s only when it has none.
    /// </param>
    /// <param name="cancellationToken">Stops the command (Ctrl+C).</param>
    public static Task<int> RunAsync(
        string[] args, TextWriter stdout, TextWriter stderr, HttpClient? http = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        return RunAsync(args, new CliIo(stdout, stderr, TextReader.Null), http, cancellationToken);
    }

    internal static async Task<int> RunAsync(string[] args, CliIo io, HttpClient? http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        CliContext? context = null;
        CliContext ContextOf(ParseResult parse) => context ??= new CliContext(io, http) { Parse = parse };

        var root = Root(io, ContextOf);
        var parse = root.Parse(args);
        try
        {
            if (parse.Action is ParseErrorAction)
            {
                return await UsageErrorAsync(io.Stderr, parse, parse.Errors.Select(e => e.Message));
            }

            return await parse.InvokeAsync(
                new InvocationConfiguration { Output = io.Stdout, Error = io.Stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
                cancellationToken);
        }
        catch (UsageException usage)
        {
            return await UsageErrorAsync(io.Stderr, parse, [usage.Message]);
        }
        catch (TaskerApiException error)
        {
            await Output.WriteErrorAsync(io.Stderr, error);
            return ExitCodes.Error;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Output.WriteErrorAsync(io.Stderr, "interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            // Unreachable server, HttpClient's own timeout, or an answer that is not Tasker's JSON.
            await Output.WriteErrorAsync(io.Stderr, $"{context?.Http.BaseAddress}: {failure.Message}");
            return ExitCodes.Error;
        }
        finally
        {
            context?.Dispose();
        }
    }

    /// <summary>The command tree. Built per run: each action reaches this run's context through <paramref name="contextOf"/>.</summary>
    private static RootCommand Root(CliIo io, Func<ParseResult, CliContext> contextOf)
    {
        var root = new RootCommand("""
            tasker: submit, follow and manage Tasker's tasks and users, and run executor agents.
            Exit codes: 0 done (wait: every task succeeded), 1 a task failed or was cancelled, 2 usage or server error,
            3 --timeout passed first, 130 interrupted. Environment: TASKER_URL, TASKER_API_KEY (sent as
            Authorization: Bearer), TASKER_CONFIG (where 'tasker login' saves the URL and key).
            """)
        {
            GlobalOptions.Url,
            GlobalOptions.Json,
        };
        root.HelpName = "tasker"; // Not the host's name when run in-process (tests).
        foreach (var command in TaskCommands.Create(contextOf))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(ScheduleCommands.Create(contextOf));
        root.Subcommands.Add(AgentCommand.Create(contextOf));
        foreach (var command in LoginCommands.Create(contextOf))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(UsersCommand.Create(contextOf));

        // 'tasker help', kept from the hand-written parser: the same as 'tasker --help'.
        var help = new Command("help", "Show this help") { Hidden = true };
        help.SetAction(parse => parse.RootCommandResult.Command.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = io.Stdout }));
        root.Subcommands.Add(help);

        return root;
    }

    /// <summary><c>error: …</c> per problem, then the help of the command that was being parsed; exit 2.</summary>
    private static async Task<int> UsageErrorAsync(TextWriter stderr, ParseResult parse, IEnumerable<string> messages)
    {
        foreach (var message in messages)
        {
            await Output.WriteErrorAsync(stderr, message);
        }

        await stderr.WriteLineAsync();
        var path = new List<string>();
        for (var command = parse.CommandResult; command.Parent is System.CommandLine.Parsing.CommandResult parent; command = parent)
        {
            path.Insert(0, command.Command.Name);
        }

        parse.RootCommandResult.Command.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = stderr });
        return ExitCodes.Error;
    }
}
