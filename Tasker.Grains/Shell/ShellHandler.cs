using System.Text.Json;
using Microsoft.Extensions.Options;
using Tasker.Handlers;

namespace Tasker.Shell;

/// <summary>
/// <c>shell</c>: a command run by an executor agent (<c>tasker agent</c>), never inside a silo. The task waits in
/// the shell queue until an agent picks it; the agent reports exit code, stdout and stderr.
/// </summary>
public sealed class ShellHandler(IOptions<ShellOptions> options) : IAgentTaskHandler
{
    public const string TypeName = "shell";

    public string Type => TypeName;

    public string Description => "`command` run by an executor agent through /bin/sh -c, within `timeout_s` seconds";

    public bool Cacheable => false;

    // Built on first use, not at construction: the options are validated at start, and a bad one must be reported there.
    private IReadOnlyList<ParameterFact>? _parameters;

    public IReadOnlyList<ParameterFact> Parameters => _parameters ??=
    [
        new("command", ParameterKind.TextArea, Example: "echo hello", Max: options.Value.MaxCommandLength, Hint: "run by an executor agent with /bin/sh -c"),
        new("timeout_s", ParameterKind.Int, Optional: true, Min: 1, Max: options.Value.MaxTimeoutSeconds, Hint: "time limit in seconds"),
    ];

    public string? Summarize(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty("stdout", out var stdout))
        {
            return null;
        }

        var exit = result.TryGetProperty("timed_out", out var timedOut) && timedOut.ValueKind == JsonValueKind.True ? "timed out"
            : result.TryGetProperty("exit_code", out var code) && code.ValueKind == JsonValueKind.Number ? $"exit {code.GetInt32()}"
            : "killed";
        var output = stdout.GetString() is { Length: > 0 } text ? text : result.TryGetProperty("stderr", out var stderr) ? stderr.GetString() ?? "" : "";
        var line = output.Trim().Split('\n')[0];
        var truncated = (result.TryGetProperty("stdout_truncated", out var cut) && cut.ValueKind == JsonValueKind.True)
            || (result.TryGetProperty("stderr_truncated", out var cutErr) && cutErr.ValueKind == JsonValueKind.True);
        return exit + (line.Length == 0 ? "" : $" · {(line.Length <= 40 ? line : line[..40] + "…")}") + (truncated ? " · truncated" : "");
    }

    public ParameterCheck Validate(JsonElement parameters)
    {
        var shell = options.Value;
        var reader = new ParameterReader(parameters);
        var command = reader.Text("command", shell.MaxCommandLength);
        if (command.Length > 0 && string.IsNullOrWhiteSpace(command))
        {
            reader.Reject("command", "must not be blank");
        }

        if (command.Contains('\0', StringComparison.Ordinal))
        {
            reader.Reject("command", "must not contain a NUL character");
        }

        reader.Integer("timeout_s", 1, shell.MaxTimeoutSeconds, shell.DefaultTimeoutSeconds);
        return reader.Complete();
    }

    public (string Command, int TimeoutSeconds) ReadCommand(string parametersJson)
    {
        var parameters = CanonicalParameters.Parse(parametersJson);
        return (CanonicalParameters.Text(parameters, "command"), (int)CanonicalParameters.Integer(parameters, "timeout_s"));
    }
}

/// <summary>The shell queue is at its bound (<see cref="ShellOptions.MaxQueued"/>): the submission is refused, nothing is stored.</summary>
/// <remarks>Serializable: it crosses silos from the task grain to the front end that took the request.</remarks>
[GenerateSerializer, Alias("tasker.ShellQueueFullException")]
public sealed class ShellQueueFullException : Exception
{
    public ShellQueueFullException()
    {
    }

    public ShellQueueFullException(string message)
        : base(message)
    {
    }

    public ShellQueueFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
