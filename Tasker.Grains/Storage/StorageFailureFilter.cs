using System.Data.Common;
using System.Net.Sockets;

namespace Tasker.Storage;

/// <summary>
/// Translates a storage driver's failure (a <see cref="DbException"/>, a Redis or socket error, also when wrapped)
/// that leaves a grain call into <see cref="StorageUnavailableException"/>. The driver's exception types have no
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
        catch (Exception exception) when (FindDriverFailure(exception) is { } failure)
        {
            throw new StorageUnavailableException(
                $"{context.InterfaceName}.{context.MethodName} could not reach its storage: {failure.GetType().Name}: {failure.Message}");
        }
    }

    /// <summary>The driver's exception in <paramref name="exception"/> or among its inner exceptions; null when there is none.</summary>
    public static Exception? FindDriverFailure(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException or SocketException
                || current.GetType().Namespace?.StartsWith("StackExchange.Redis", StringComparison.Ordinal) == true)
            {
                return current;
            }
        }

        return null;
    }
}
