using System.Globalization;
using System.Text.Json;
using Tasker.Api;

namespace Tasker.Client.CommandLine;

/// <summary>
/// <c>tasker submit --file tasks.jsonl</c>: every line a task request, sent 1,000 to a <c>POST /tasks/batch</c>; one
/// line printed per task in the file's order (<c>line status id</c>, or <c>line status code: detail</c> for a refused
/// one), or with <c>--json</c> the server's results. Exits 0 when every task was accepted, else 2.
/// </summary>
internal static class TaskFile
{
    private const int BatchSize = 1_000;

    public static async Task<int> SubmitAsync(CliContext context, FileInfo file, string client, string? priority, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            await Output.WriteErrorAsync(context.Io.Stderr, $"{file.FullName} does not exist");
            return ExitCodes.Error;
        }

        var (items, lineNumbers, bad) = await ReadAsync(file, client, priority, cancellationToken);
        if (bad is not null)
        {
            await Output.WriteErrorAsync(context.Io.Stderr, bad);
            return ExitCodes.Error;
        }

        var results = new List<BatchItemResult>(items.Count);
        for (var start = 0; start < items.Count; start += BatchSize)
        {
            var batch = await context.Client.SubmitBatchAsync(items.Skip(start).Take(BatchSize), cancellationToken);
            results.AddRange(batch.Results);
        }

        if (context.Json)
        {
            await Output.WriteJsonAsync(context.Io.Stdout, results);
        }
        else
        {
            for (var i = 0; i < results.Count; i++)
            {
                var result = results[i];
                await context.Io.Stdout.WriteLineAsync(result.Task is { } task
                    ? string.Create(CultureInfo.InvariantCulture, $"{lineNumbers[i]}\t{result.Status}\t{task.Id}\t{task.Status}")
                    : string.Create(CultureInfo.InvariantCulture, $"{lineNumbers[i]}\t{result.Status}\t{result.Problem?.Code}: {result.Problem?.Detail}"));
            }
        }

        var refused = results.Count(r => r.Task is null);
        await context.Io.Stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"submitted {results.Count - refused}, refused {refused}"));
        return refused == 0 ? ExitCodes.Ok : ExitCodes.Error;
    }

    /// <summary>The requests of the file's non-blank lines and their line numbers, or what is wrong with a line.</summary>
    private static async Task<(List<BatchItemRequest> Items, List<int> Lines, string? Bad)> ReadAsync(
        FileInfo file, string client, string? priority, CancellationToken cancellationToken)
    {
        var items = new List<BatchItemRequest>();
        var lines = new List<int>();
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(file.FullName, cancellationToken))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                {
                    return (items, lines, $"{file.Name}:{number}: each line must be a JSON object with at least a \"type\"");
                }

                items.Add(new BatchItemRequest(
                    type.GetString()!,
                    root.TryGetProperty("params", out var parameters) ? parameters.Clone() : JsonSerializer.Deserialize<JsonElement>("{}"),
                    Text(root, "client") ?? client,
                    Text(root, "priority") ?? priority,
                    Text(root, "idempotency_key")));
                lines.Add(number);
            }
            catch (JsonException exception)
            {
                return (items, lines, $"{file.Name}:{number}: not JSON: {exception.Message}");
            }
        }

        return items.Count == 0 ? (items, lines, $"{file.Name} holds no task") : (items, lines, null);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
