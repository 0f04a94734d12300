namespace Tasker;

/// <summary>The roles a user can hold.</summary>
public static class UserRoles
{
    /// <summary>Sees every task, sets process status, manages users.</summary>
    public const string Admin = "admin";

    /// <summary>May submit shell tasks (run by executor agents).</summary>
    public const string Shell = "shell";

    /// <summary>Every role there is.</summary>
    public static IReadOnlyList<string> All { get; } = [Admin, Shell];
}

/// <summary>What an admin sets on a user (create or update).</summary>
/// <param name="Tier">The tier's name (its limits are configured under <c>Tasker:Tiers</c>).</param>
/// <param name="Roles">The roles, from <see cref="UserRoles"/>.</param>
/// <param name="PasswordHash">A new password's hash (ASP.NET Core Identity format), or null to keep the current one.</param>
[GenerateSerializer, Immutable, Alias("tasker.UserUpdate")]
public sealed record UserUpdate(
    [property: Id(0)] string Tier,
    [property: Id(1)] IReadOnlyList<string> Roles,
    [property: Id(2)] string? PasswordHash);

/// <summary>One API key of a user: its id and when it was made. The key itself is never kept, only its hash.</summary>
[GenerateSerializer, Immutable, Alias("tasker.ApiKeyInfo")]
public sealed record ApiKeyInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Label,
    [property: Id(2)] DateTimeOffset CreatedAt);

/// <summary>A user as it is now.</summary>
/// <param name="PasswordHash">The password's hash, for verification inside Tasker; never shown by the API.</param>
/// <param name="Version">Grows with every change; the authentication cache compares it.</param>
[GenerateSerializer, Immutable, Alias("tasker.UserSnapshot")]
public sealed record UserSnapshot(
    [property: Id(0)] string Name,
    [property: Id(1)] string Tier,
    [property: Id(2)] IReadOnlyList<string> Roles,
    [property: Id(3)] string? PasswordHash,
    [property: Id(4)] IReadOnlyList<ApiKeyInfo> Keys,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] long Version)
{
    public bool IsAdmin => Roles.Contains(UserRoles.Admin);
}

/// <summary>What saving a user did.</summary>
/// <param name="User">The user as it now is; null when it could not be created (<paramref name="DirectoryFull"/>).</param>
/// <param name="Created">True when this call created the user.</param>
/// <param name="DirectoryFull">True when a new user was refused because the user directory is at its cap.</param>
[GenerateSerializer, Immutable, Alias("tasker.UserSaveResult")]
public sealed record UserSaveResult(
    [property: Id(0)] UserSnapshot? User,
    [property: Id(1)] bool Created,
    [property: Id(2)] bool DirectoryFull = false);

/// <summary>The user and key id an API key is bound to.</summary>
[GenerateSerializer, Immutable, Alias("tasker.ApiKeyBinding")]
public sealed record ApiKeyBinding([property: Id(0)] string User, [property: Id(1)] string KeyId);

/// <summary>The outcome of a change to a user's keys.</summary>
[GenerateSerializer, Alias("tasker.UserKeyStatus")]
public enum UserKeyStatus
{
    Done = 0,
    UserNotFound = 1,
    KeyNotFound = 2,
    TooManyKeys = 3,
}

/// <summary>What a change to a user's keys did, with the user as it now is.</summary>
[GenerateSerializer, Immutable, Alias("tasker.UserKeyResult")]
public sealed record UserKeyResult(
    [property: Id(0)] UserKeyStatus Status,
    [property: Id(1)] UserSnapshot? User);

/// <summary>Whom a grain call is made for: set by the front end in the Orleans request context from the authenticated user.</summary>
/// <remarks>
/// Absent when the request is anonymous (authentication off). Grains that hold a user's data (tasks, histories)
/// check it at their boundary: a non-admin caller sees and changes only what belongs to its own client name.
/// </remarks>
/// <param name="MayRunCommands">Whether the caller may submit tasks that run commands on the agents (the shell role, or admin).</param>
public sealed record Caller(string Name, bool IsAdmin, bool MayRunCommands = false)
{
    private const string NameKey = "tasker.caller";
    private const string AdminKey = "tasker.caller.admin";
    private const string CommandsKey = "tasker.caller.commands";

    /// <summary>The caller of the grain call now running, or null when anonymous.</summary>
    public static Caller? Current =>
        RequestContext.Get(NameKey) is string name
            ? new Caller(name, RequestContext.Get(AdminKey) is true, RequestContext.Get(CommandsKey) is true)
            : null;

    /// <summary>Sets the caller for the grain calls made from here on in this asynchronous flow.</summary>
    public static void Set(Caller? caller)
    {
        if (caller is null)
        {
            RequestContext.Remove(NameKey);
            RequestContext.Remove(AdminKey);
            RequestContext.Remove(CommandsKey);
            return;
        }

        RequestContext.Set(NameKey, caller.Name);
        RequestContext.Set(AdminKey, caller.IsAdmin);
        RequestContext.Set(CommandsKey, caller.MayRunCommands || caller.IsAdmin);
    }

    /// <summary>Whether this caller may see or change what belongs to <paramref name="client"/>.</summary>
    public bool MayAccess(string client) => IsAdmin || string.Equals(client, Name, StringComparison.Ordinal);
}
