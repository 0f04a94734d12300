using Tasker.Api;

namespace Tasker.Silo.Auth;

/// <summary>Turns a user's stored snapshot into its wire view: never a password hash or a key, only the keys' ids.</summary>
public static class UserViews
{
    public static UserView From(UserSnapshot user) => new(
        user.Name, user.Tier, user.Roles, user.PasswordHash is not null,
        [.. user.Keys.Select(k => new ApiKeyView(k.Id, k.Label, k.CreatedAt))], user.CreatedAt, user.UpdatedAt);
}
