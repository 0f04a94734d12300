namespace Tasker;

/// <summary>Maps one client's Idempotency-Key to the task it created. Keyed by client and key.</summary>
[Alias("tasker.IIdempotencyGrain")]
public interface IIdempotencyGrain : IGrainWithStringKey
{
    /// <summary>Returns the task id already bound to this key, or binds <paramref name="candidateId"/> and returns it.</summary>
    [Alias("Claim")]
    Task<string> ClaimAsync(string candidateId);

    /// <summary>Forgets the binding if it has expired; a binding still in force stays.</summary>
    [Alias("Expire")]
    Task ExpireAsync();
}
