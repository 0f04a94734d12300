namespace Tasker.Storage;

/// <summary>
/// A grain's memory never runs ahead of its storage (docs/adr/014): a write or a clear that fails drops the
/// activation, so that the next call or reminder activates the grain again from what storage holds, and the caller
/// gets the failure.
/// </summary>
public static class CommitOrDrop
{
    /// <summary>Writes the state; when the write fails, drops <paramref name="grain"/>'s activation and rethrows.</summary>
    public static Task WriteOrDropAsync<TState>(this IPersistentState<TState> state, IGrainBase grain) =>
        state.WriteOrDropAsync(grain.DeactivateOnIdle);

    /// <summary>
    /// Writes the state; when the write fails, calls <paramref name="drop"/> (for a grain that has more to stop than its
    /// activation) and rethrows.
    /// </summary>
    public static async Task WriteOrDropAsync<TState>(this IPersistentState<TState> state, Action drop)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            drop();
            throw;
        }
    }

    /// <summary>
    /// Clears the stored state (when there is one), empties memory and drops <paramref name="grain"/>'s activation,
    /// which has nothing left to serve; when the clear fails, memory keeps the state, the activation is dropped all the
    /// same and the failure rethrown.
    /// </summary>
    public static async Task ClearAndDropAsync<TState>(this IPersistentState<TState> state, IGrainBase grain)
        where TState : new()
    {
        if (state.RecordExists)
        {
            try
            {
                await state.ClearStateAsync();
            }
            catch
            {
                grain.DeactivateOnIdle();
                throw;
            }
        }

        state.State = new TState();
        grain.DeactivateOnIdle();
    }
}
