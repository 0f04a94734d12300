using System.Globalization;

namespace Tasker.Client.CommandLine.Verbs;

/// <summary>
/// <c>tasker wait &lt;id&gt; [--timeout SECONDS]</c>: follows the task until it ends, with a progress line on
/// stderr per change, then prints it; exits 0 when it succeeded, 1 when it failed or was cancelled.
/// </summary>
internal sealed class WaitVerb : IVerb
{
    public const string TimeoutOption = "timeout";

    private static readonly TimeSpan _defaultTimeout = TimeSpan.FromSeconds(60);

    public string Name => "wait";

    public IReadOnlyCollection<string> ValuedOptions => [TimeoutOption];

    public IReadOnlyCollection<string> Flags => [];

    public Task<int> RunAsync(Arguments arguments, VerbContext context)
    {
        var id = arguments.Positional(0, "id");
        arguments.AtMostPositionals(1);
        return WaitAndPrintAsync(id, Timeout(arguments), context);
    }

    /// <summary>The <c>--timeout</c> of <c>wait</c> and <c>submit --wait</c>.</summary>
    public static TimeSpan Timeout(Arguments arguments) => arguments.Seconds(TimeoutOption, _defaultTimeout);

    /// <summary>Waits for the task, prints it as it ended, and turns its outcome into the exit code.</summary>
    public static async Task<int> WaitAndPrintAsync(string id, TimeSpan timeout, VerbContext context)
    {
        try
        {
            var task = await context.Client.WaitAsync(id, timeout, new Output.ProgressWriter(context.Stderr), context.CancellationToken);
            await Output.WriteJsonAsync(context.Stdout, task);
            return task.Phase() == TaskPhase.Succeeded ? ExitCodes.Ok : ExitCodes.TaskDidNotSucceed;
        }
        catch (TimeoutException)
        {
            await Output.WriteErrorAsync(context.Stderr,
                string.Create(CultureInfo.InvariantCulture, $"task {id} had not ended after {timeout.TotalSeconds} s"));
            return ExitCodes.TimedOut;
        }
    }
}
