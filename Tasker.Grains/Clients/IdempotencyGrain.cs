namespace Tasker.Clients;

/// <summary>The persisted binding of one Idempotency-Key to its task.</summary>
[GenerateSerializer, Alias("tasker.IdempotencyState")]
public sealed class IdempotencyState
{
    [Id(0)] public string? TaskId { get; set; }
}

/// <summary>Binds one client's Idempotency-Key to the first task made with it.</summary>
public sealed class IdempotencyGrain(
    [PersistentState("idempotency", TaskerStorage.Name)] IPersistentState<IdempotencyState> state) : Grain, IIdempotencyGrain
{
    public async Task<string> ClaimAsync(string candidateId)
    {
        if (state.State.TaskId is { } existing)
        {
            return existing;
        }

        state.State.TaskId = candidateId;
        await state.WriteStateAsync();
        return candidateId;
    }
}
