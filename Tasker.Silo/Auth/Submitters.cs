using Microsoft.Extensions.Options;
using Tasker.Users;

namespace Tasker.Silo.Auth;

/// <summary>
/// Who a submission is for, and whether its priority is allowed: the one seam every way of submitting a task goes
/// through (JSON, upload, the old systems' adapters). A signed-in user's client is its user name (given or omitted);
/// only an admin may submit for another client. A tier caps the priority its users may ask for.
/// </summary>
public static class Submitters
{
    /// <summary>Whether <c>client</c> must be in the request: only when nobody is signed in.</summary>
    public static bool ClientRequired(HttpRequest request) => AuthenticatedUser.CallerOf(request.HttpContext.User) is null;

    /// <summary>The client the task belongs to, or null after adding the error that says why not.</summary>
    public static string? Resolve(HttpRequest request, string? requested, TaskPriority priority, IDictionary<string, string[]> errors)
    {
        var user = request.HttpContext.User;
        if (AuthenticatedUser.CallerOf(user) is not { } caller)
        {
            return requested;
        }

        if (AuthenticatedUser.TierOf(user) is { } tierName
            && request.HttpContext.RequestServices.GetRequiredService<IOptions<TiersOptions>>().Value.Tiers.TryGetValue(tierName, out var tier)
            && Rank(priority) > Rank(ParsePriority(tier.MaxPriority)))
        {
            errors["priority"] = [$"priority {priority.ToString().ToLowerInvariant()} is above what tier {tierName} allows ({tier.MaxPriority})"];
        }

        if (requested is null || requested == caller.Name || caller.IsAdmin)
        {
            return requested ?? caller.Name;
        }

        errors["client"] = [$"client must be your user name '{caller.Name}', or be left out"];
        return null;
    }

    private static TaskPriority ParsePriority(string text) =>
        FrontEnd.TaskRequestReader.TryParsePriority(text, out var priority) ? priority : TaskPriority.Normal;

    /// <summary>Low &lt; normal &lt; high (the enum's numbers are not in that order).</summary>
    public static int Rank(TaskPriority priority) => priority switch
    {
        TaskPriority.Low => 0,
        TaskPriority.Normal => 1,
        _ => 2,
    };
}
