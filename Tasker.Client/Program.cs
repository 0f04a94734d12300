using Tasker.Client.CommandLine;

namespace Tasker.Client;

/// <summary>The <c>tasker</c> executable: the console around <see cref="Cli"/>, with Ctrl+C and SIGTERM as cancellation.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true; // Let the command stop cleanly and report, rather than being killed mid-write.
            interrupt.Cancel();
        }

        Console.CancelKeyPress += OnCancelKeyPress;
        // SIGTERM (docker stop, kill): stop as cleanly as on Ctrl+C; an agent releases the task it holds.
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            interrupt.Cancel();
        });
        try
        {
            return await Cli.RunAsync(args, CliIo.FromConsole(), http: null, interrupt.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
        }
    }
}
