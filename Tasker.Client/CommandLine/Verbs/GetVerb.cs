namespace Tasker.Client.CommandLine.Verbs;

/// <summary><c>tasker get &lt;id&gt;</c>: prints the task.</summary>
internal sealed class GetVerb : IVerb
{
    public string Name => "get";

    public IReadOnlyCollection<string> ValuedOptions => [];

    public IReadOnlyCollection<string> Flags => [];

    public async Task<int> RunAsync(Arguments arguments, VerbContext context)
    {
        var id = arguments.Positional(0, "id");
        arguments.AtMostPositionals(1);

        // GetAsync maps 404 to null; the command line reports it as the server's problem instead.
        var task = await context.Client.GetAsync(id, context.CancellationToken);
        if (task is null)
        {
            await Output.WriteErrorAsync(context.Stderr, $"404 Not found: There is no task with id '{id}'.");
            return ExitCodes.Error;
        }

        await Output.WriteJsonAsync(context.Stdout, task);
        return ExitCodes.Ok;
    }
}
