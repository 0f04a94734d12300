using System.Globalization;

namespace Tasker.Client.Agent;

/// <summary>The agent's log: one line per event on stderr, <c>time level message key=value...</c>, filtered by <c>LOG_LEVEL</c>.</summary>
internal sealed class AgentLog(TextWriter output, AgentLogLevel minimum)
{
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

        var line = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level.ToString().ToLowerInvariant(),-5} {message}");
        foreach (var (key, value) in fields)
        {
            var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            line += text.Any(c => char.IsWhiteSpace(c) || c == '"') ? $" {key}=\"{text.Replace("\"", "\\\"", StringComparison.Ordinal)}\"" : $" {key}={text}";
        }

        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
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
