namespace Tasker.Users;

/// <summary>The persisted state of one user.</summary>
[GenerateSerializer, Alias("tasker.UserState")]
public sealed class UserState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string Tier { get; set; } = "";
    [Id(2)] public List<string> Roles { get; set; } = [];
    [Id(3)] public string? PasswordHash { get; set; }
    /// <summary>Capped by <see cref="UserGrain.MaxKeys"/>.</summary>
    [Id(4)] public List<ApiKeyState> Keys { get; set; } = [];
    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
    [Id(6)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(7)] public long Version { get; set; }
}

/// <summary>One API key as stored with its user: the SHA-256 of the key, never the key.</summary>
[GenerateSerializer, Alias("tasker.ApiKeyState")]
public sealed class ApiKeyState
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Hash { get; set; } = "";
    [Id(2)] public string? Label { get; set; }
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The persisted binding of one API key (by its hash) to its user.</summary>
[GenerateSerializer, Alias("tasker.ApiKeyBindingState")]
public sealed class ApiKeyBindingState
{
    [Id(0)] public string? User { get; set; }
    [Id(1)] public string? KeyId { get; set; }
}

/// <summary>The persisted names of all users.</summary>
[GenerateSerializer, Alias("tasker.UserDirectoryState")]
public sealed class UserDirectoryState
{
    /// <summary>Sorted (ordinal); capped by <see cref="UserDirectoryGrain.MaxUsers"/>.</summary>
    [Id(0)] public List<string> Names { get; set; } = [];
}
