namespace Tasker;

/// <summary>
/// The result of one canonical request of a long type (type + canonical parameters). Keyed by a hash of that
/// request. Being one non-reentrant grain per request, it makes concurrent identical requests share one computation.
/// </summary>
[Alias("tasker.IResultCacheGrain")]
public interface IResultCacheGrain : IGrainWithStringKey
{
    /// <summary>
    /// For long types: answers from the stored result, or makes <paramref name="taskId"/> the leader that computes it,
    /// or names the leader already computing it (the caller then follows and is told when it ends).
    /// </summary>
    [Alias("Join")]
    Task<CacheAnswer> JoinAsync(string type, string parametersJson, string taskId);

    /// <summary>The leader reports its outcome; followers are told.</summary>
    [Alias("Complete")]
    Task CompleteAsync(string leaderId, CacheAnswer outcome);

    /// <summary>
    /// The task <paramref name="taskId"/> expires (docs/adr/020): the entry goes with it when that task computed the
    /// result, or when the result is stale anyway, unless a computation is under way.
    /// </summary>
    [Alias("Expire")]
    Task ExpireAsync(string taskId);
}
