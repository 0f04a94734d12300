using Microsoft.Extensions.Options;
using Tasker.Users;

namespace Tasker.Silo.Auth;

/// <summary>
/// Who a submission is for, and whether its priority is allowed (docs/adr/015): a signed-in user's client is its user
/// name (given or omitted); only an admin may submit for another client; a tier caps the priority its users may ask for.
/// Readers use <see cref="Resolve"/> to name a bad field in their own words; the submission seam
/// (<see cref="FrontEnd.TaskSubmitter"/>) applies the same rule to every task, whichever way it came in.
/// </summary>
public static class Submitters
{
    /// <summary>Whether <c>client</c> must be in the request: only when nobody is signed in.</summary>
    public static bool ClientRequired(HttpRequest request) => AuthenticatedUser.CallerOf(request.HttpContext.User) is null;

    /// <summary>The client the task belongs to, or null after adding the error that says why not.</summary>
    public static string? Resolve(HttpRequest request, string? requested, TaskPriority priority, IDictionary<string, string[]> errors)
    {
        if (AuthenticatedUser.CallerOf(request.HttpContext.User) is not { } caller)
        {
            return requested;
        }

        var client = requested ?? caller.Name;
        Check(request.HttpContext, caller, client, priority, errors);
        return errors.ContainsKey("client") ? null : client;
    }

    /// <summary>The errors that refuse <paramref name="submission"/> to the caller of <paramref name="context"/>, or null.</summary>
    public static Dictionary<string, string[]>? Refuse(HttpContext context, TaskSubmission submission)
    {
        if (AuthenticatedUser.CallerOf(context.User) is not { } caller)
        {
            return null; // Anonymous: authentication is off, and the server listens on loopback only.
        }

        var errors = new Dictionary<string, string[]>();
        Check(context, caller, submission.Client, submission.Priority, errors);
        if (submission.RunAt is { } runAt
            && DelayRefusal(context, runAt - context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()) is { } refusal)
        {
            errors["run_at"] = [refusal];
        }

        return errors.Count > 0 ? errors : null;
    }

    /// <summary>Why a task may not wait <paramref name="delay"/> for the caller's tier (<c>MaxDelay</c>), or null when it may.</summary>
    public static string? DelayRefusal(HttpContext context, TimeSpan delay) =>
        AuthenticatedUser.TierOf(context.User) is { } tierName
        && context.RequestServices.GetRequiredService<IOptions<TiersOptions>>().Value.Tiers.TryGetValue(tierName, out var tier)
        && delay > tier.MaxDelay
            ? $"a task may wait at most {tier.MaxDelay.TotalDays:0.##} days in tier {tierName}"
            : null;

    private static void Check(HttpContext context, Caller caller, string client, TaskPriority priority, IDictionary<string, string[]> errors)
    {
        if (AuthenticatedUser.TierOf(context.User) is { } tierName
            && context.RequestServices.GetRequiredService<IOptions<TiersOptions>>().Value.Tiers.TryGetValue(tierName, out var tier)
            && Rank(priority) > Rank(ParsePriority(tier.MaxPriority)))
        {
            errors["priority"] = [$"priority {priority.ToWire()} is above what tier {tierName} allows ({tier.MaxPriority})"];
        }

        if (!caller.MayAccess(client))
        {
            errors["client"] = [$"client must be your user name '{caller.Name}', or be left out"];
        }
    }

    private static TaskPriority ParsePriority(string text) =>
        TaskPriorities.TryParseWire(text, out var priority) ? priority : TaskPriority.Normal;

    /// <summary>Low &lt; normal &lt; high (the enum's numbers are not in that order).</summary>
    public static int Rank(TaskPriority priority) => priority switch
    {
        TaskPriority.Low => 0,
        TaskPriority.Normal => 1,
        _ => 2,
    };
}
