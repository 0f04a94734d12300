namespace Tasker.Api;

/// <summary>A user as the API shows it: never a password hash or a key, only the keys' ids.</summary>
public sealed record UserView(string Name, string Tier, IReadOnlyList<string> Roles, bool HasPassword, IReadOnlyList<ApiKeyView> Keys, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>An API key's id, label and age; the key itself is shown once, when it is made.</summary>
public sealed record ApiKeyView(string Id, string? Label, DateTimeOffset CreatedAt);

/// <summary>A key just made: the only time the key itself is shown.</summary>
public sealed record NewApiKeyView(string Id, string Key, string? Label, DateTimeOffset CreatedAt, string User);

/// <summary>The body of <c>PUT /users/{name}</c>.</summary>
/// <param name="Tier">A configured tier (default free when creating).</param>
/// <param name="Roles">admin and/or shell (default none).</param>
/// <param name="Password">8 to 200 characters; optional (a user may sign in with API keys only); omitted on update keeps the current one.</param>
public sealed record PutUserRequest(string? Tier, IReadOnlyList<string>? Roles, string? Password);

/// <summary>The body of <c>POST /users/{name}/keys</c> (optional).</summary>
public sealed record NewApiKeyRequest(string? Label);
