using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Tasker.Client.Agent;

namespace Tasker.Client.CommandLine;

/// <summary>
/// <c>tasker agent --token T [--name N] [--poll-interval 5s]</c>: an executor agent that runs shell tasks one at a
/// time until it is stopped (SIGTERM or Ctrl+C). Environment: <c>TASKER_AGENT_TOKEN</c>, <c>TASKER_AGENT_NAME</c>,
/// <c>POLL_INTERVAL</c> and <c>LOG_LEVEL</c> (as system 004's agent had them); <c>TASKER_URL</c> for the server.
/// </summary>
internal static partial class AgentCommand
{
    private static readonly TimeSpan _defaultPoll = TimeSpan.FromSeconds(5);

    public static Command Create(Func<ParseResult, CliContext> contextOf)
    {
        var token = new Option<string?>("--token") { Description = "The agent token, the server's Tasker__Agents__Token [default: $TASKER_AGENT_TOKEN]", HelpName = "TOKEN" };
        var name = new Option<string?>("--name") { Description = "This agent's name [default: $TASKER_AGENT_NAME, else host-pid]", HelpName = "NAME" };
        var poll = new Option<string?>("--poll-interval") { Description = "How long one pick waits for work, 100ms to 5m [default: $POLL_INTERVAL, else 5s]", HelpName = "INTERVAL" };
        var level = new Option<string?>("--log-level") { Description = "debug, info, warn or error [default: $LOG_LEVEL, else info]", HelpName = "LEVEL" };
        var command = new Command("agent", "Run an executor agent: runs shell tasks one at a time until SIGTERM or Ctrl+C") { token, name, poll, level };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var settings = Settings(parse.GetValue(token), parse.GetValue(name), parse.GetValue(poll), parse.GetValue(level), out var logLevel);
            var http = context.Http;
            var server = http.BaseAddress!;
            var log = new AgentLog(context.Io.Stderr, logLevel);
            var agent = new ShellAgent(settings with { Server = server }, new AgentApi(http, server, settings.Token, settings.Name), log);
            return await agent.RunAsync(cancellationToken) ? ExitCodes.Ok : ExitCodes.Error;
        });
        return command;
    }

    /// <summary>The agent's settings from its options, each falling back on system 004's environment variable.</summary>
    private static AgentSettings Settings(string? tokenOption, string? nameOption, string? pollOption, string? levelOption, out AgentLogLevel level)
    {
        var token = tokenOption ?? Environment.GetEnvironmentVariable("TASKER_AGENT_TOKEN");
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new UsageException("agent needs the agent token: --token or TASKER_AGENT_TOKEN (the server's Tasker__Agents__Token)");
        }

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

        return new AgentSettings(new Uri(Cli.DefaultUrl), token, name, poll);
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
