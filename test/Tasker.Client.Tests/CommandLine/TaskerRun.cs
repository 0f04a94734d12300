using System.Diagnostics;
using System.Text.Json;
using Tasker.Client.Tests.Agent;

namespace Tasker.Client.Tests.CommandLine;

/// <summary>One run of the real <c>tasker</c> executable, to its end: exit code, stdout and stderr.</summary>
public sealed record TaskerRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>
    /// Runs <c>tasker</c> with <paramref name="args"/> and only the environment given (plus PATH and HOME), so that
    /// a TASKER_* variable of the machine running the tests never leaks in; <paramref name="stdin"/> is its input.
    /// </summary>
    public static async Task<TaskerRun> StartAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string stdin = "")
    {
        var assembly = OwnedProcess.Assembly("AgentAssembly");
        var start = new ProcessStartInfo("dotnet", [assembly, .. args])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("TASKER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(patience.Token);
        return new TaskerRun(process.ExitCode, await stdout, await stderr);
    }

    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Stdout);
        return document.RootElement.Clone();
    }
}
