namespace Tasker.Storage;

/// <summary>
/// Translates a storage driver's failure that leaves a grain call (a database, Redis or socket error, also when
/// wrapped: <see cref="Outages.FindDriverFailure"/>) into <see cref="StorageUnavailableException"/>. The driver's exception types have no
/// Orleans codec: sent as they are to a caller on another silo they became a <c>CodecNotFoundException</c>, and the
/// front end answered 500 instead of 503.
/// </summary>
public sealed class StorageFailureFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (Outages.FindDriverFailure(exception) is { } failure)
        {
            throw new StorageUnavailableException(
                $"{context.InterfaceName}.{context.MethodName} could not reach its storage: {failure.GetType().Name}: {failure.Message}");
        }
    }
}
