namespace Tasker.Client.CommandLine.Verbs;

/// <summary>One verb of <c>tasker</c>: its name, the options it accepts, and what it does.</summary>
internal interface IVerb
{
    string Name { get; }

    /// <summary>Options that take a value (<c>--client NAME</c>).</summary>
    IReadOnlyCollection<string> ValuedOptions { get; }

    /// <summary>Options that are on when present (<c>--wait</c>).</summary>
    IReadOnlyCollection<string> Flags { get; }

    /// <summary>Runs the verb and returns the exit code; throws <see cref="UsageException"/> for bad arguments.</summary>
    Task<int> RunAsync(Arguments arguments, VerbContext context);
}

/// <summary>What every verb works with.</summary>
internal sealed record VerbContext(TaskerClient Client, TextWriter Stdout, TextWriter Stderr, CancellationToken CancellationToken)
{
    /// <summary>The HTTP client the typed client uses, with the server as its base address (for the agent's own routes).</summary>
    public required HttpClient Http { get; init; }
}
