using System.Data.Common;
using System.Net.Sockets;
using Orleans.Runtime.Messaging;
using Orleans.Storage;

namespace Tasker.Tasks;

/// <summary>
/// The failures of a chunk that say a server or the cluster is away for a moment, not that the task is wrong: the
/// chunk is deferred (its checkpoint stands and the reminder tries again), never turned into a failed task. Seen in the
/// cluster under fire (issue 14): a sequence's child call met <see cref="ConnectionFailedException"/> while a silo was
/// dying, and the sequence ended failed.
/// </summary>
public static class PassingFailures
{
    public static bool Is(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException { IsTransient: true } or StorageUnavailableException or TimeoutException or SocketException
                or ConnectionFailedException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                return true;
            }
        }

        return false;
    }
}
