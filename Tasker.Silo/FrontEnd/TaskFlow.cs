using System.Text.Json;
using Tasker.Handlers;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// Reads what a task runs after (docs/adr/035): <c>after</c>, a list of task ids (in a batch also <c>#n</c>, an earlier
/// item of the same batch), and <c>after_policy</c>, <c>all_succeeded</c> (default) or <c>all_ended</c>.
/// </summary>
public static class TaskFlow
{
    /// <summary>The request's fields that say what the task runs after.</summary>
    public static readonly string[] Fields = ["after", "after_policy"];

    /// <summary>The most tasks one task may run after.</summary>
    public const int MaxParents = 1_000;

    /// <summary>The prefix of a batch item's reference to an earlier item (<c>#0</c> is the first).</summary>
    public const char BatchReference = '#';

    /// <summary>
    /// What the task in <paramref name="root"/> runs after (null for nothing) and how; adds an error under <c>after</c> or
    /// <c>after_policy</c> for a bad one. <paramref name="batchItem"/> is the item's index in its batch (references to
    /// earlier items allowed), or null outside a batch.
    /// </summary>
    public static (IReadOnlyList<string>? After, AfterPolicy Policy) Read(
        JsonElement root, string? type, ITaskHandler? handler, int? batchItem, IDictionary<string, string[]> errors)
    {
        var policy = AfterPolicy.AllSucceeded;
        var hasPolicy = root.TryGetProperty("after_policy", out var policyValue) && policyValue.ValueKind != JsonValueKind.Null;
        if (hasPolicy)
        {
            switch (policyValue.ValueKind == JsonValueKind.String ? policyValue.GetString() : null)
            {
                case "all_succeeded":
                    break;
                case "all_ended":
                    policy = AfterPolicy.AllEnded;
                    break;
                default:
                    errors["after_policy"] = ["after_policy must be all_succeeded or all_ended"];
                    break;
            }
        }

        if (!root.TryGetProperty("after", out var afterValue) || afterValue.ValueKind == JsonValueKind.Null)
        {
            return NoParents();
        }

        if (afterValue.ValueKind != JsonValueKind.Array)
        {
            errors["after"] = [$"after must be a list of task ids, not {JsonBody.Describe(afterValue.ValueKind)}"];
            return (null, policy);
        }

        var count = afterValue.GetArrayLength();
        if (count > MaxParents)
        {
            errors["after"] = [$"after names {count:N0} tasks; a task may run after at most {MaxParents:N0}"];
            return (null, policy);
        }

        var after = new List<string>(count);
        foreach (var element in afterValue.EnumerateArray())
        {
            var index = after.Count;
            var id = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
            if (string.IsNullOrEmpty(id))
            {
                errors["after"] = [$"after[{index}] must be a task id (a non-empty string)"];
                return (null, policy);
            }

            if (id[0] == BatchReference)
            {
                if (batchItem is not { } item)
                {
                    errors["after"] = [$"after[{index}] is '{id}': #n names an earlier item of the same batch, only in POST /tasks/batch"];
                    return (null, policy);
                }

                if (!int.TryParse(id.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var earlier)
                    || earlier >= item)
                {
                    errors["after"] = [$"after[{index}] is '{id}': an item may name only earlier items of its batch, #0 to #{item - 1}"];
                    return (null, policy);
                }
            }
            else if (!TaskIds.IsWellFormed(id))
            {
                errors["after"] = [$"after[{index}] is '{id}', which is not a task id"];
                return (null, policy);
            }

            if (!after.Contains(id))
            {
                after.Add(id); // Naming a parent twice waits for it once.
            }
        }

        if (after.Count == 0)
        {
            return NoParents();
        }

        return (after, policy);

        (IReadOnlyList<string>?, AfterPolicy) NoParents()
        {
            if (handler is IFanInTaskHandler)
            {
                errors["after"] = [$"{type} reads the results of the tasks it runs after: give them in after"];
            }

            if (hasPolicy && !errors.ContainsKey("after_policy"))
            {
                errors["after_policy"] = ["after_policy goes with after: name the tasks this one runs after"];
            }

            return (null, policy);
        }
    }

    /// <summary>True when <paramref name="id"/> names an earlier item of the same batch; <paramref name="item"/> is its index.</summary>
    public static bool IsBatchReference(string id, out int item)
    {
        item = -1;
        return id.Length > 1 && id[0] == BatchReference && int.TryParse(id.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture, out item);
    }
}
