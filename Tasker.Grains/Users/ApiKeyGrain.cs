using Tasker.Storage;

namespace Tasker.Users;

/// <summary>One API key's binding to its user, keyed by the key's SHA-256 (hexadecimal).</summary>
public sealed class ApiKeyGrain(
    [PersistentState("apikey", TaskerStorage.Name)] IPersistentState<ApiKeyBindingState> state) : Grain, IApiKeyGrain
{
    public Task<ApiKeyBinding?> FindAsync() =>
        Task.FromResult(state.State is { User: { } user, KeyId: { } keyId } ? new ApiKeyBinding(user, keyId) : null);

    public async Task BindAsync(string user, string keyId)
    {
        state.State.User = user;
        state.State.KeyId = keyId;
        await state.WriteOrDropAsync(this);
    }

    public async Task RevokeAsync()
    {
        await state.ClearAndDropAsync(this);
    }
}
