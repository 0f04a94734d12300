namespace Tasker.Client.CommandLine;

/// <summary>
/// Where <c>tasker</c> reads and writes, and which of them is a terminal. Without a terminal (CI, pipes, tests)
/// nothing carries ANSI codes and progress is one plain line per change instead of live bars.
/// </summary>
/// <param name="Stdout">Results: JSON with <c>--json</c>, else tables and text.</param>
/// <param name="Stderr">Errors, help after a usage error, and progress.</param>
/// <param name="Stdin">Secrets given with <c>--api-key-stdin</c> or <c>--password-stdin</c>.</param>
internal sealed record CliIo(TextWriter Stdout, TextWriter Stderr, TextReader Stdin, bool StdoutIsTerminal = false, bool StderrIsTerminal = false, bool StdinIsTerminal = false)
{
    /// <summary>The process's own console, with the terminal tests .NET offers; <c>TERM=dumb</c> counts as no terminal.</summary>
    public static CliIo FromConsole()
    {
        var dumb = string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        return new CliIo(
            Console.Out,
            Console.Error,
            Console.In,
            !dumb && !Console.IsOutputRedirected,
            !dumb && !Console.IsErrorRedirected,
            !Console.IsInputRedirected);
    }
}
