using Tasker.Api;

namespace Tasker.Client.CommandLine.Verbs;

/// <summary><c>tasker pause|resume|cancel &lt;id&gt;</c>: sends the command and prints the task as it is after it.</summary>
internal sealed class ControlVerb(string name, Func<TaskerClient, string, CancellationToken, Task<TaskView>> command) : IVerb
{
    public string Name => name;

    public IReadOnlyCollection<string> ValuedOptions => [];

    public IReadOnlyCollection<string> Flags => [];

    public async Task<int> RunAsync(Arguments arguments, VerbContext context)
    {
        var id = arguments.Positional(0, "id");
        arguments.AtMostPositionals(1);
        await Output.WriteJsonAsync(context.Stdout, await command(context.Client, id, context.CancellationToken));
        return ExitCodes.Ok;
    }
}
