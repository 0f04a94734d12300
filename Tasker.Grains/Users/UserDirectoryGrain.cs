using Tasker.Storage;

namespace Tasker.Users;

/// <summary>The names of all users (for <c>GET /users</c>), bounded. Touched only when users are created or deleted.</summary>
public sealed class UserDirectoryGrain(
    [PersistentState("users", TaskerStorage.Name)] IPersistentState<UserDirectoryState> state) : Grain, IUserDirectoryGrain
{
    /// <summary>Users Tasker keeps at most.</summary>
    public const int MaxUsers = 10_000;

    public async Task<bool> AddAsync(string name)
    {
        var at = state.State.Names.BinarySearch(name, StringComparer.Ordinal);
        if (at >= 0)
        {
            return true;
        }

        if (state.State.Names.Count >= MaxUsers)
        {
            return false;
        }

        state.State.Names.Insert(~at, name);
        await state.WriteOrDropAsync(this);
        return true;
    }

    public async Task RemoveAsync(string name)
    {
        var at = state.State.Names.BinarySearch(name, StringComparer.Ordinal);
        if (at >= 0)
        {
            state.State.Names.RemoveAt(at);
            await state.WriteOrDropAsync(this);
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Names]);
}
