using Microsoft.Extensions.Options;
using Orleans.Storage;
using Tasker.Retention;
using Tasker.Storage;

namespace Tasker.Clients;

/// <summary>The persisted binding of one Idempotency-Key to its task.</summary>
[GenerateSerializer, Alias("tasker.IdempotencyState")]
public sealed class IdempotencyState
{
    [Id(0)] public string? TaskId { get; set; }

    /// <summary>When the key was bound; it is free again <see cref="RetentionOptions.IdempotencyKeys"/> later. Unset in keys stored before retention.</summary>
    [Id(1)] public DateTimeOffset ClaimedAt { get; set; }
}

/// <summary>
/// Binds one client's Idempotency-Key to the first task made with it, for <see cref="RetentionOptions.IdempotencyKeys"/>
/// (a day by default, as payment APIs do): after that a request with the key is a new request (docs/adr/020).
/// </summary>
public sealed class IdempotencyGrain(
    [PersistentState("idempotency", TaskerStorage.Name)] IPersistentState<IdempotencyState> state,
    IOptions<RetentionOptions> retention,
    IdempotencyKeyLedger ledger,
    TimeProvider clock) : Grain, IIdempotencyGrain
{
    public async Task<string> ClaimAsync(string candidateId)
    {
        if (state.State.TaskId is { } existing && !HasExpired)
        {
            return existing;
        }

        var claimedAt = clock.GetUtcNow();
        try
        {
            await BindAsync(candidateId, claimedAt);
        }
        catch (InconsistentStateException) when (state.State.TaskId is not null)
        {
            // The expired key's row was swept meanwhile (cluster mode): the stored version is gone, so read what is
            // stored now (nothing, or another silo's fresh claim) and bind afresh only if it is free.
            await state.ReadStateAsync();
            if (state.State.TaskId is { } other && !HasExpired)
            {
                return other;
            }

            await BindAsync(candidateId, claimedAt);
        }

        ledger.Claimed(this.GetPrimaryKeyString(), claimedAt);
        return candidateId;
    }

    public async Task ExpireAsync()
    {
        if (state.State.TaskId is null || !HasExpired)
        {
            return;
        }

        await state.ClearAndDropAsync(this);
    }

    private bool HasExpired =>
        state.State.ClaimedAt != default && clock.GetUtcNow() - state.State.ClaimedAt >= retention.Value.IdempotencyKeys;

    private async Task BindAsync(string taskId, DateTimeOffset claimedAt)
    {
        var previous = state.State;
        state.State = new IdempotencyState { TaskId = taskId, ClaimedAt = claimedAt };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = previous; // Memory never runs ahead of storage (docs/adr/014).
            throw;
        }
    }
}
