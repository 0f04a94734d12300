using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tasker.Client.CommandLine.Verbs;

/// <summary>
/// <c>tasker submit &lt;type&gt; --client NAME [--param KEY=VALUE ...] [--params JSON] [--priority P]
/// [--idempotency-key KEY] [--wait [--timeout SECONDS]]</c>: submits a task and prints it, or with
/// <c>--wait</c> follows it to its end as <c>tasker wait</c> does.
/// </summary>
internal sealed class SubmitVerb : IVerb
{
    public string Name => "submit";

    public IReadOnlyCollection<string> ValuedOptions => ["client", "param", "params", "priority", "idempotency-key", WaitVerb.TimeoutOption];

    public IReadOnlyCollection<string> Flags => ["wait"];

    public async Task<int> RunAsync(Arguments arguments, VerbContext context)
    {
        var type = arguments.Positional(0, "type");
        arguments.AtMostPositionals(1);
        var client = arguments.Option("client") ?? throw new UsageException("submit needs --client NAME");
        var parameters = Parameters(arguments);
        var priority = Priority(arguments.Option("priority"));
        var wait = arguments.Flag("wait");
        if (!wait && arguments.Option(WaitVerb.TimeoutOption) is not null)
        {
            throw new UsageException("--timeout goes with --wait");
        }

        var timeout = WaitVerb.Timeout(arguments);
        var task = await context.Client.SubmitAsync(type, parameters, client, priority, arguments.Option("idempotency-key"), context.CancellationToken);
        if (wait)
        {
            return await WaitVerb.WaitAndPrintAsync(task.Id, timeout, context);
        }

        await Output.WriteJsonAsync(context.Stdout, task);
        return ExitCodes.Ok;
    }

    /// <summary>The <c>--params</c> object with each <c>--param KEY=VALUE</c> set over it.</summary>
    private static JsonElement Parameters(Arguments arguments)
    {
        var parameters = new JsonObject();
        if (arguments.Option("params") is { } json)
        {
            try
            {
                parameters = JsonNode.Parse(json) as JsonObject ?? throw new UsageException("--params must be a JSON object");
            }
            catch (JsonException exception)
            {
                throw new UsageException($"--params is not valid JSON: {exception.Message}");
            }
        }

        foreach (var pair in arguments.All("param"))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--param must be KEY=VALUE, not '{pair}'");
            }

            parameters[pair[..equals]] = Value(pair[(equals + 1)..]);
        }

        return JsonSerializer.SerializeToElement(parameters);
    }

    /// <summary>A JSON number when the text is one (kept exactly as written), otherwise the text as a string.</summary>
    private static JsonNode Value(string text)
    {
        if (text.Length > 0 && text == text.Trim())
        {
            try
            {
                if (JsonNode.Parse(text) is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
                {
                    return value;
                }
            }
            catch (JsonException)
            {
                // Not JSON at all: a string.
            }
        }

        return JsonValue.Create(text);
    }

    private static TaskPriority? Priority(string? text) => text switch
    {
        null => null,
        "high" => TaskPriority.High,
        "normal" => TaskPriority.Normal,
        "low" => TaskPriority.Low,
        _ => throw new UsageException($"--priority must be high, normal or low, not '{text}'"),
    };
}
