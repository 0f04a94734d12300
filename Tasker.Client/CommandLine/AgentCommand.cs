using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Tasker.Client.Agent;

namespace Tasker.Client.CommandLine;

/// <summary>
/// <c>tasker agent [--name N] [--poll-interval 5s] [--token-file F | --token-stdin] [--pass-env NAME]... [--run-as USER]</c>:
/// an executor agent that runs shell tasks one at a time until it is stopped (SIGTERM or Ctrl+C). Environment:
/// <c>TASKER_AGENT_TOKEN</c>, <c>TASKER_AGENT_NAME</c>, <c>POLL_INTERVAL</c> and <c>LOG_LEVEL</c> (as system 004's agent
/// had them); <c>TASKER_URL</c> for the server; <c>TASKER_AGENT_TOKEN_FILE</c>, <c>TASKER_AGENT_PASS_ENV</c> and
/// <c>TASKER_AGENT_RUN_AS</c>. The token is never taken from the command line, which every local process can read.
/// </summary>
internal static partial class AgentCommand
{
    private static readonly TimeSpan _defaultPoll = TimeSpan.FromSeconds(5);

    public static Command Create(Func<ParseResult, CliContext> contextOf)
    {
        // Kept, hidden, only to refuse it with the reason: a token given here is in /proc/<pid>/cmdline for all to read.
        var token = new Option<string?>("--token") { Hidden = true };
        var tokenFile = new Option<string?>("--token-file") { Description = "Read the agent token (the server's Tasker__Agents__Token) from the first line of FILE [default: $TASKER_AGENT_TOKEN_FILE, else $TASKER_AGENT_TOKEN]", HelpName = "FILE" };
        var tokenStdin = new Option<bool>("--token-stdin") { Description = "Read the agent token from the first line of stdin" };
        var name = new Option<string?>("--name") { Description = "This agent's name [default: $TASKER_AGENT_NAME, else host-pid]", HelpName = "NAME" };
        var poll = new Option<string?>("--poll-interval") { Description = "How long one pick waits for work, 100ms to 5m [default: $POLL_INTERVAL, else 5s]", HelpName = "INTERVAL" };
        var level = new Option<string?>("--log-level") { Description = "debug, info, warn or error [default: $LOG_LEVEL, else info]", HelpName = "LEVEL" };
        var passEnv = new Option<string[]>("--pass-env") { Description = "Also give commands this variable of the agent's environment (repeatable; also $TASKER_AGENT_PASS_ENV, comma-separated). Commands get only PATH, HOME, LANG and these", HelpName = "NAME" };
        var runAs = new Option<string?>("--run-as") { Description = "Run commands as this user (the agent must run as root; needs setpriv) [default: $TASKER_AGENT_RUN_AS]", HelpName = "USER" };
        var command = new Command("agent", "Run an executor agent: runs shell tasks one at a time until SIGTERM or Ctrl+C")
        {
            token, tokenFile, tokenStdin, name, poll, level, passEnv, runAs,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            if (parse.GetValue(token) is not null)
            {
                throw new UsageException(
                    "--token is refused: every process on this machine can read a command line (/proc/<pid>/cmdline). Give the token in TASKER_AGENT_TOKEN, a file (--token-file FILE) or stdin (--token-stdin)");
            }

            var secret = await TokenAsync(context, parse.GetValue(tokenFile), parse.GetValue(tokenStdin), cancellationToken);
            var runAsName = parse.GetValue(runAs) ?? NonEmpty(Environment.GetEnvironmentVariable("TASKER_AGENT_RUN_AS"));
            var user = runAsName is null ? null : await CommandIsolation.ResolveRunAsAsync(runAsName, cancellationToken);
            var passed = (parse.GetValue(passEnv) ?? []).Concat(
                (Environment.GetEnvironmentVariable("TASKER_AGENT_PASS_ENV") ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            var isolation = CommandIsolation.Create(passed, user, secret, Environment.GetEnvironmentVariable);
            var settings = Settings(secret, isolation, parse.GetValue(name), parse.GetValue(poll), parse.GetValue(level), out var logLevel);
            var http = context.Http;
            var server = http.BaseAddress!;
            var log = new AgentLog(context.Io.Stderr, logLevel);
            Harden(log, user);
            var agent = new ShellAgent(settings with { Server = server }, new AgentApi(http, server, settings.Token, settings.Name), log);
            return await agent.RunAsync(cancellationToken) ? ExitCodes.Ok : ExitCodes.Error;
        });
        return command;
    }

    /// <summary>The token from stdin, a file, or the environment; the environment variable is then dropped from this process.</summary>
    private static async Task<string> TokenAsync(CliContext context, string? file, bool stdin, CancellationToken cancellationToken)
    {
        if (stdin && file is not null)
        {
            throw new UsageException("agent takes the token from --token-file or --token-stdin, not both");
        }

        file ??= stdin ? null : NonEmpty(Environment.GetEnvironmentVariable("TASKER_AGENT_TOKEN_FILE"));
        string? token;
        if (stdin)
        {
            token = await context.ReadSecretLineAsync("--token-stdin", cancellationToken);
        }
        else if (file is not null)
        {
            try
            {
                token = (await File.ReadAllLinesAsync(file, CancellationToken.None)).FirstOrDefault()?.Trim(); // A few bytes: not worth a cancellation.
            }
            catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"--token-file (TASKER_AGENT_TOKEN_FILE) cannot be read: {failure.Message}");
            }
        }
        else
        {
            token = Environment.GetEnvironmentVariable("TASKER_AGENT_TOKEN");
        }

        // Nothing this process starts later inherits it (commands get an environment of their own anyway).
        Environment.SetEnvironmentVariable("TASKER_AGENT_TOKEN", null);
        return string.IsNullOrWhiteSpace(token)
            ? throw new UsageException("agent needs the agent token (the server's Tasker__Agents__Token): TASKER_AGENT_TOKEN, --token-file FILE (TASKER_AGENT_TOKEN_FILE) or --token-stdin")
            : token.Trim();
    }

    /// <summary>Keeps same-user commands out of this process's /proc entries, and says when commands could still reach the token.</summary>
    private static void Harden(AgentLog log, RunAsUser? user)
    {
        if (!OperatingSystem.IsLinux())
        {
            log.Warn("not on Linux: commands run as the agent's user and may read its token from its process");
            return;
        }

        if (!LinuxProcess.MakeUndumpable())
        {
            log.Warn("could not mark the agent's process not dumpable: a command may read the token from /proc/<agent pid>/environ");
        }

        if (user is null && LinuxProcess.EffectiveUserId() == 0)
        {
            log.Warn("the agent runs as root without --run-as: commands run as root and can read anything of the agent's, its token included; give --run-as USER");
        }
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>The agent's settings from its options, each falling back on system 004's environment variable.</summary>
    private static AgentSettings Settings(string token, CommandIsolation isolation, string? nameOption, string? pollOption, string? levelOption, out AgentLogLevel level)
    {
        var name = nameOption ?? Environment.GetEnvironmentVariable("TASKER_AGENT_NAME") ?? DefaultName();
        if (!AgentName().IsMatch(name))
        {
            throw new UsageException($"--name must be 1–64 characters: letters, digits, '_', '.', '@' or '-', starting with a letter or digit, not '{name}'");
        }

        var pollText = pollOption ?? Environment.GetEnvironmentVariable("POLL_INTERVAL");
        var poll = pollText is null ? _defaultPoll : ParseInterval(pollText);
        var levelText = levelOption ?? Environment.GetEnvironmentVariable("LOG_LEVEL");
        if (!AgentLog.TryParseLevel(levelText ?? "info", out level))
        {
            throw new UsageException($"--log-level (LOG_LEVEL) must be debug, info, warn or error, not '{levelText}'");
        }

        return new AgentSettings(new Uri(Cli.DefaultUrl), token, name, poll, isolation);
    }

    /// <summary>Parses <c>5s</c>, <c>500ms</c>, <c>1m</c> or a plain number of seconds; 0.1 s to 5 minutes.</summary>
    public static TimeSpan ParseInterval(string text)
    {
        var match = Interval().Match(text.Trim());
        if (match.Success && double.TryParse(match.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            var interval = match.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "m" => TimeSpan.FromMinutes(number),
                _ => TimeSpan.FromSeconds(number),
            };
            if (interval >= TimeSpan.FromMilliseconds(100) && interval <= TimeSpan.FromMinutes(5))
            {
                return interval;
            }
        }

        throw new UsageException($"--poll-interval (POLL_INTERVAL) must be like 5s, 500ms or 1m, from 100ms to 5m, not '{text}'");
    }

    private static string DefaultName()
    {
        var host = Regex.Replace(Environment.MachineName, "[^A-Za-z0-9_.@-]", "-", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var name = string.Create(CultureInfo.InvariantCulture, $"{host}-{Environment.ProcessId}");
        return name.Length > 64 ? name[^64..].TrimStart('-', '.', '_', '@') : name;
    }

    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?)(?<unit>ms|s|m)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Interval();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex AgentName();
}
