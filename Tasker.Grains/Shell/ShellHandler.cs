using System.Text.Json;
using Microsoft.Extensions.Options;
using Tasker.Handlers;

namespace Tasker.Shell;

/// <summary>
/// <c>shell</c>: a command run by an executor agent (<c>tasker agent</c>), never inside a silo. The task waits in
/// the shell queue until an agent picks it; the agent reports exit code, stdout and stderr.
/// </summary>
public sealed class ShellHandler(IOptions<ShellOptions> options) : ITaskHandler
{
    public const string TypeName = "shell";

    public string Type => TypeName;

    public string Description => "`command` run by an executor agent through /bin/sh -c, within `timeout_s` seconds";

    public bool Cacheable => false;

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

    /// <summary>The command and time limit of validated canonical parameters.</summary>
    public static (string Command, int TimeoutSeconds) Read(string parametersJson)
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
