using System.Diagnostics;
using System.Text;

namespace Tasker.Client.Agent;

/// <summary>What a command did: exit code (null when killed or not started), bounded outputs, and why it stopped.</summary>
internal sealed record CommandOutcome(
    int? ExitCode, string Stdout, string Stderr, bool StdoutTruncated, bool StderrTruncated, bool TimedOut, bool Killed, long DurationMs, string? StartError);

/// <summary>
/// Runs one command (its program directly when it needs no shell, else through <c>/bin/sh -c</c>), isolated from the agent (<see cref="CommandIsolation"/>), with a time limit, keeping at most a cap of each output (the rest is
/// read and dropped, so the command never blocks on a full pipe), and kills its whole process tree when cancelled.
/// </summary>
internal static class CommandRunner
{
    private static readonly TimeSpan _drainGrace = TimeSpan.FromSeconds(2);

    public static async Task<CommandOutcome> RunAsync(
        string command, CommandIsolation isolation, TimeSpan timeout, int capBytes, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var start = isolation.StartInfo(command, out var direct);
        var (started, error) = Start(start);
        if (started is null && direct)
        {
            // The kernel would not run the file (a script without #!, no permission): the shell runs it or says why.
            (started, error) = Start(isolation.ShellStartInfo(command));
        }

        if (started is null)
        {
            return new CommandOutcome(null, "", "", false, false, false, false, 0, error);
        }

        using var process = started;

        process.StandardInput.Close(); // The command reads nothing from the agent.
        var stdout = CaptureAsync(process.StandardOutput.BaseStream, capBytes);
        var stderr = CaptureAsync(process.StandardError.BaseStream, capBytes);

        using var limit = new CancellationTokenSource(timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
        var killed = false;
        try
        {
            await process.WaitForExitAsync(either.Token);
        }
        catch (OperationCanceledException)
        {
            killed = true;
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended by itself meanwhile.
            }

            await process.WaitForExitAsync(CancellationToken.None);
        }

        // A descendant that left the process tree may hold the pipes open: do not wait for it for long.
        var outputs = Task.WhenAll(stdout, stderr);
        await Task.WhenAny(outputs, Task.Delay(_drainGrace, CancellationToken.None));
        var (outText, outCut) = stdout.IsCompletedSuccessfully ? stdout.Result : ("", true);
        var (errText, errCut) = stderr.IsCompletedSuccessfully ? stderr.Result : ("", true);
        var timedOut = killed && limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
        return new CommandOutcome(killed ? null : process.ExitCode, outText, errText, outCut, errCut, timedOut, killed, clock.ElapsedMilliseconds, null);
    }

    private static (Process? Process, string? Error) Start(ProcessStartInfo start)
    {
        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
            return (process, null);
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            return (null, exception.Message);
        }
    }

    private static async Task<(string Text, bool Truncated)> CaptureAsync(Stream stream, int capBytes)
    {
        var kept = new MemoryStream();
        var buffer = new byte[16 * 1024];
        var truncated = false;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            var room = capBytes - (int)kept.Length;
            if (room > 0)
            {
                kept.Write(buffer, 0, Math.Min(room, read));
            }

            truncated |= read > room;
        }

        var bytes = kept.ToArray();
        var end = truncated ? WholeCharacters(bytes) : bytes.Length;
        return (Encoding.UTF8.GetString(bytes, 0, end), truncated);
    }

    /// <summary>The length of <paramref name="bytes"/> without a UTF-8 character that the cap cut in two.</summary>
    private static int WholeCharacters(byte[] bytes)
    {
        var lead = bytes.Length - 1;
        while (lead > 0 && (bytes[lead] & 0xC0) == 0x80)
        {
            lead--;
        }

        if (lead < 0)
        {
            return 0;
        }

        var length = bytes[lead] switch
        {
            < 0x80 => 1,
            >= 0xF0 => 4,
            >= 0xE0 => 3,
            >= 0xC0 => 2,
            _ => 1,
        };
        return lead + length > bytes.Length ? lead : bytes.Length;
    }
}
