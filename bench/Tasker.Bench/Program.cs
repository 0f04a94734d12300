using System.Text.Json;
using Tasker.Bench;
using Tasker.Bench.HangfireRuns;
using Tasker.Bench.Measuring;
using Tasker.Bench.TaskerRuns;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(BenchArguments.Usage);
    return args.Length == 0 ? 64 : 0;
}

try
{
    if (args[0] == "report")
    {
        return args.Length == 2 ? Report.Print(args[1], Console.Out) : Fail("report needs one results directory");
    }

    if (args[0] == "shell-hangfire")
    {
        // bench/shell.sh: the Hangfire peer of shell tasks on agents. Arguments: jobs, workers.
        Console.WriteLine(ShellJobScenario.Run(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)));
        return 0;
    }

    var options = BenchArguments.Parse(args[0], args[1..]);
    if (options.System == "long")
    {
        var figures = LongJobsScenario.Describe(await LongJobsScenario.RunAsync(options));
        if (options.OutFile is not null)
        {
            await File.WriteAllTextAsync(options.OutFile, figures);
        }

        Console.WriteLine(figures);
        return 0;
    }

    ScenarioResult result = options.System switch
    {
        "tasker" => await TaskerScenario.RunAsync(options),
        "hangfire" => await HangfireScenario.RunAsync(options),
        _ => throw new ArgumentException($"unknown system '{options.System}'"),
    };

    var json = JsonSerializer.Serialize(result, Report.Json);
    if (options.OutFile is not null)
    {
        await File.WriteAllTextAsync(options.OutFile, json);
    }

    Console.WriteLine(json);
    if (result.Failed > 0)
    {
        Console.Error.WriteLine($"bench: {result.Scenario}: {result.Failed} task(s) did not succeed");
        return 1;
    }

    return 0;
}
catch (ArgumentException exception)
{
    return Fail(exception.Message);
}

static int Fail(string message)
{
    Console.Error.WriteLine($"bench: {message}");
    Console.Error.WriteLine(BenchArguments.Usage);
    return 64;
}
