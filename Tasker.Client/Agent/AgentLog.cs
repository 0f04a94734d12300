using System.Globalization;
using System.Text;

namespace Tasker.Client.Agent;

/// <summary>The agent's log: one line per event on stderr, <c>time level message key=value...</c>, filtered by <c>LOG_LEVEL</c>.</summary>
internal sealed class AgentLog(TextWriter output, AgentLogLevel minimum)
{
    private static readonly string[] _levelNames = ["debug", "info ", "warn ", "error"];

    private readonly Lock _gate = new();

    public void Debug(string message, params (string Key, object? Value)[] fields) => Write(AgentLogLevel.Debug, message, fields);

    public void Info(string message, params (string Key, object? Value)[] fields) => Write(AgentLogLevel.Info, message, fields);

    public void Warn(string message, params (string Key, object? Value)[] fields) => Write(AgentLogLevel.Warn, message, fields);

    public void Error(string message, params (string Key, object? Value)[] fields) => Write(AgentLogLevel.Error, message, fields);

    private void Write(AgentLogLevel level, string message, (string Key, object? Value)[] fields)
    {
        if (level < minimum)
        {
            return;
        }

        // One builder per line, no LINQ: two lines per task, in an agent that may run hundreds of tasks a second.
        var line = new StringBuilder(128);
        line.Append(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} ").Append(_levelNames[(int)level]).Append(' ').Append(message);
        foreach (var (key, value) in fields)
        {
            var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            line.Append(' ').Append(key).Append('=');
            if (NeedsQuotes(text))
            {
                line.Append('"').Append(text.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                line.Append(text);
            }
        }

        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    private static bool NeedsQuotes(string text)
    {
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c == '"')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses <c>debug</c>, <c>info</c>, <c>warn</c>/<c>warning</c> or <c>error</c> (any case).</summary>
    public static bool TryParseLevel(string? text, out AgentLogLevel level)
    {
        AgentLogLevel? parsed = text?.Trim().ToLowerInvariant() switch
        {
            "debug" or "trace" => AgentLogLevel.Debug,
            "info" or "information" => AgentLogLevel.Info,
            "warn" or "warning" => AgentLogLevel.Warn,
            "error" => AgentLogLevel.Error,
            _ => null,
        };
        level = parsed ?? AgentLogLevel.Info;
        return parsed is not null;
    }
}

internal enum AgentLogLevel
{
    Debug,
    Info,
    Warn,
    Error,
}
