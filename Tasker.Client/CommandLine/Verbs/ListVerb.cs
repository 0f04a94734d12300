using System.Globalization;

namespace Tasker.Client.CommandLine.Verbs;

/// <summary>
/// <c>tasker list [--client NAME] [--type TYPE] [--status STATUS] [--limit N] [--cursor NEXT]</c>: prints one page,
/// newest first; its <c>next</c> is the <c>--cursor</c> of the page after it.
/// </summary>
internal sealed class ListVerb : IVerb
{
    public string Name => "list";

    public IReadOnlyCollection<string> ValuedOptions => ["client", "type", "status", "limit", "cursor"];

    public IReadOnlyCollection<string> Flags => [];

    public async Task<int> RunAsync(Arguments arguments, VerbContext context)
    {
        arguments.AtMostPositionals(0);

        TaskPhase? status = null;
        if (arguments.Option("status") is { } statusText)
        {
            status = WireNames.TryParsePhase(statusText, out var phase)
                ? phase
                : throw new UsageException($"--status must be one of queued, running, paused, succeeded, failed, cancelled, not '{statusText}'");
        }

        int? limit = null;
        if (arguments.Option("limit") is { } limitText)
        {
            limit = int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                ? size
                : throw new UsageException($"--limit must be a whole number, not '{limitText}'");
        }

        var page = await context.Client.ListAsync(
            arguments.Option("client"), arguments.Option("type"), status, limit, arguments.Option("cursor"), context.CancellationToken);
        await Output.WriteJsonAsync(context.Stdout, page);
        return ExitCodes.Ok;
    }
}
