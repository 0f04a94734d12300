using Tasker.Storage;

namespace Tasker.Users;

/// <summary>
/// One user. Passwords arrive hashed and API keys as their SHA-256: hashing (slow by design for passwords) is done
/// by the front end, off the grain's turn, and no secret ever reaches a grain or its storage.
/// </summary>
public sealed class UserGrain(
    [PersistentState("user", TaskerStorage.Name)] IPersistentState<UserState> state,
    TimeProvider clock) : Grain, IUserGrain
{
    /// <summary>API keys a user may hold at once.</summary>
    public const int MaxKeys = 20;

    private UserState S => state.State;

    private string Name => this.GetPrimaryKeyString();

    public Task<UserSnapshot?> GetAsync() => Task.FromResult(S.Exists ? Snapshot() : null);

    public async Task<UserSaveResult> SaveAsync(UserUpdate update)
    {
        var created = !S.Exists;
        var now = clock.GetUtcNow();
        if (created)
        {
            // The directory first: a user that is stored is always listed (a listed user that is not stored is harmless).
            if (!await GrainFactory.GetGrain<IUserDirectoryGrain>(0).AddAsync(Name))
            {
                return new UserSaveResult(null, Created: false, DirectoryFull: true);
            }

            S.Exists = true;
            S.CreatedAt = now;
        }

        S.Tier = update.Tier;
        S.Roles = [.. update.Roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        S.PasswordHash = update.PasswordHash ?? S.PasswordHash;
        S.UpdatedAt = now;
        S.Version++;
        await state.WriteOrDropAsync(this);
        return new UserSaveResult(Snapshot(), created);
    }

    public async Task<bool> DeleteAsync()
    {
        if (!S.Exists)
        {
            return false;
        }

        // Keys first: a key that outlived its user would find no user, but would not be cleaned up either.
        await Task.WhenAll(S.Keys.Select(k => GrainFactory.GetGrain<IApiKeyGrain>(k.Hash).RevokeAsync()));
        await state.ClearAndDropAsync(this);
        await GrainFactory.GetGrain<IUserDirectoryGrain>(0).RemoveAsync(Name);
        await GrainFactory.GetGrain<IWebhookSecretGrain>(Name).ForgetAsync(); // A user made again later makes a new one.
        return true;
    }

    public async Task<UserKeyResult> AddKeyAsync(string keyId, string keyHash, string? label)
    {
        if (!S.Exists)
        {
            return new UserKeyResult(UserKeyStatus.UserNotFound, null);
        }

        if (S.Keys.Count >= MaxKeys)
        {
            return new UserKeyResult(UserKeyStatus.TooManyKeys, Snapshot());
        }

        // Bound before it is listed: a listed key always works, and a bound key that failed to be listed is
        // refused at sign-in (the binding's key id must be among the user's keys).
        await GrainFactory.GetGrain<IApiKeyGrain>(keyHash).BindAsync(Name, keyId);
        S.Keys.Add(new ApiKeyState { Id = keyId, Hash = keyHash, Label = label, CreatedAt = clock.GetUtcNow() });
        S.UpdatedAt = clock.GetUtcNow();
        S.Version++;
        await state.WriteOrDropAsync(this);
        return new UserKeyResult(UserKeyStatus.Done, Snapshot());
    }

    public async Task<UserKeyResult> RemoveKeyAsync(string keyId)
    {
        if (!S.Exists)
        {
            return new UserKeyResult(UserKeyStatus.UserNotFound, null);
        }

        if (S.Keys.Find(k => k.Id == keyId) is not { } key)
        {
            return new UserKeyResult(UserKeyStatus.KeyNotFound, Snapshot());
        }

        S.Keys.Remove(key);
        S.UpdatedAt = clock.GetUtcNow();
        S.Version++;
        await state.WriteOrDropAsync(this);
        await GrainFactory.GetGrain<IApiKeyGrain>(key.Hash).RevokeAsync();
        return new UserKeyResult(UserKeyStatus.Done, Snapshot());
    }

    private UserSnapshot Snapshot() => new(
        Name,
        S.Tier,
        [.. S.Roles],
        S.PasswordHash,
        [.. S.Keys.Select(k => new ApiKeyInfo(k.Id, k.Label, k.CreatedAt))],
        S.CreatedAt,
        S.UpdatedAt,
        S.Version);
}
