namespace Tasker;

/// <summary>One user: tier, roles, password hash and API keys. Keyed by the user name (which is also its client name).</summary>
[Alias("tasker.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>The user, or null when there is none of that name.</summary>
    [Alias("Get")]
    Task<UserSnapshot?> GetAsync();

    /// <summary>Creates the user or updates its tier, roles and (when given) password hash.</summary>
    [Alias("Save")]
    Task<UserSaveResult> SaveAsync(UserUpdate update);

    /// <summary>Deletes the user and revokes all its keys; false when there was no such user.</summary>
    [Alias("Delete")]
    Task<bool> DeleteAsync();

    /// <summary>Adds an API key, given as the SHA-256 of the key (the key itself never reaches a grain).</summary>
    [Alias("AddKey")]
    Task<UserKeyResult> AddKeyAsync(string keyId, string keyHash, string? label);

    /// <summary>Revokes one API key.</summary>
    [Alias("RemoveKey")]
    Task<UserKeyResult> RemoveKeyAsync(string keyId);
}

/// <summary>
/// One API key, keyed by the hexadecimal SHA-256 of the key: finds the user a key belongs to in one call without
/// storing the key.
/// </summary>
[Alias("tasker.IApiKeyGrain")]
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>The user name and key id this key is bound to, or null when it is not a key (any more).</summary>
    [Alias("Find")]
    Task<ApiKeyBinding?> FindAsync();

    /// <summary>Binds this key to a user's key id (called by the user grain).</summary>
    [Alias("Bind")]
    Task BindAsync(string user, string keyId);

    /// <summary>Forgets this key (called by the user grain).</summary>
    [Alias("Revoke")]
    Task RevokeAsync();
}

/// <summary>The names of all users, bounded. Single instance, key 0.</summary>
[Alias("tasker.IUserDirectoryGrain")]
public interface IUserDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a name; false when the directory is full.</summary>
    [Alias("Add")]
    Task<bool> AddAsync(string name);

    [Alias("Remove")]
    Task RemoveAsync(string name);

    /// <summary>Every user name, sorted.</summary>
    [Alias("List")]
    Task<IReadOnlyList<string>> ListAsync();
}
