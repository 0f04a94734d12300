using Tasker.Bench;
using Tasker.Bench.HangfireRuns;
using Tasker.Bench.TaskerRuns;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(BenchArguments.Usage);
    return args.Length == 0 ? 64 : 0;
}

try
{
    if (args[0] == "hangfire-http")
    {
        // bench/run.sh: Hangfire behind HTTP, the peer wrk drives.
        return await HangfireHost.RunAsync(args[1..]);
    }

    var options = BenchArguments.Parse(args[0], args[1..]);
    if (options.System != "long")
    {
        return Fail($"unknown verb '{args[0]}'");
    }

    var figures = LongJobsScenario.Describe(await LongJobsScenario.RunAsync(options));
    if (options.OutFile is not null)
    {
        await File.WriteAllTextAsync(options.OutFile, figures);
    }

    Console.WriteLine(figures);
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
