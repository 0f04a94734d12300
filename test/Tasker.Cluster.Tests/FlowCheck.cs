using System.Globalization;
using System.Text.Json;

namespace Tasker.Cluster.Tests;

/// <summary>
/// The rules of <c>after</c> (README "Flows") as a checker over final task views, shared by the cluster tests and the
/// chaos soak: a child ends as its parents' ends decide, never starts before one of them has ended, and a
/// <c>sum-results</c> child's result is the sum of its parents' results.
/// </summary>
public static class FlowCheck
{
    /// <summary>
    /// Why <paramref name="child"/> broke the rules given its <paramref name="parents"/> (every one a final view, in the
    /// order of the child's <c>after</c>), or null when it ended as they decide. <paramref name="mayBeCancelled"/>: the
    /// child itself was cancelled on request (a storm), so a cancel that is not dependency-failed is allowed.
    /// </summary>
    public static string? Violation(JsonElement child, IReadOnlyList<JsonElement> parents, bool mayBeCancelled = false)
    {
        var id = Text(child, "id");
        var status = Text(child, "status");
        if (status is not ("succeeded" or "failed" or "cancelled"))
        {
            return $"child {id} is {status}, not ended";
        }

        var policy = Text(child, "afterPolicy") ?? "all_succeeded";
        var unsucceeded = parents.Where(p => Text(p, "status") != "succeeded").ToList();
        var dependencyFailed = status == "cancelled" && Text(child, "errorCode") == "dependency-failed";
        if (policy == "all_succeeded" && unsucceeded.Count > 0)
        {
            if (dependencyFailed)
            {
                var error = Text(child, "error") ?? "";
                return unsucceeded.Any(p => error.Contains(Text(p, "id")!, StringComparison.Ordinal))
                    ? StartedAt(child) is { } started ? $"child {id} ended dependency-failed but had started at {started:O}" : null
                    : $"child {id} ended dependency-failed naming none of its parents that did not succeed: {error}";
            }

            return mayBeCancelled && status == "cancelled" && StartedAt(child) is null
                ? null
                : $"child {id} ended {status} ({Text(child, "errorCode")}), but parent {Text(unsucceeded[0], "id")} {Text(unsucceeded[0], "status")}: it should have ended dependency-failed";
        }

        if (dependencyFailed)
        {
            return $"child {id} ended dependency-failed under {policy}, though its parents ended {string.Join(", ", parents.Select(p => Text(p, "status")))}: {Text(child, "error")}";
        }

        if (StartedAt(child) is not { } childStart)
        {
            return mayBeCancelled && status == "cancelled" ? null : $"child {id} ended {status} without starting";
        }

        foreach (var parent in parents)
        {
            if (FinishedAt(parent) is not { } parentEnd || childStart < parentEnd)
            {
                return $"child {id} started at {childStart:O}, before its parent {Text(parent, "id")} ended ({FinishedAt(parent)?.ToString("O", CultureInfo.InvariantCulture) ?? "never"})";
            }
        }

        if (Text(child, "type") == "sum-results" && status == "succeeded")
        {
            // Only parents that succeeded give results (under all_ended a failed one gives none).
            var sum = 0m;
            foreach (var parent in parents.Where(p => Text(p, "status") == "succeeded"))
            {
                if (Number(parent) is not { } value)
                {
                    return $"sum-results child {id} succeeded though parent {Text(parent, "id")}'s result is not a number: {parent.GetProperty("result").GetRawText()}";
                }

                sum += value;
            }

            if (Number(child) != sum)
            {
                return $"sum-results child {id}: result {child.GetProperty("result").GetRawText()}, its parents' results sum to {sum}";
            }
        }

        return null;
    }

    /// <summary>A task's numeric result (a number, or an object whose one field is a number, as sum-results reads it), else null.</summary>
    public static decimal? Number(JsonElement task)
    {
        if (!task.TryGetProperty("result", out var result))
        {
            return null;
        }

        if (result.ValueKind == JsonValueKind.Object && result.EnumerateObject().ToList() is [var only])
        {
            result = only.Value;
        }

        return result.ValueKind == JsonValueKind.Number ? result.GetDecimal() : null;
    }

    public static string? Text(JsonElement task, string property) =>
        task.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static DateTimeOffset? StartedAt(JsonElement task) => Time(task, "startedAt");

    public static DateTimeOffset? FinishedAt(JsonElement task) => Time(task, "finishedAt");

    /// <summary>The ids the task runs after, in order (none for a task without <c>after</c>).</summary>
    public static IReadOnlyList<string> After(JsonElement task) =>
        task.TryGetProperty("after", out var after) && after.ValueKind == JsonValueKind.Array
            ? [.. after.EnumerateArray().Select(e => e.GetString()!)]
            : [];

    private static DateTimeOffset? Time(JsonElement task, string property) =>
        task.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetDateTimeOffset() : null;
}
