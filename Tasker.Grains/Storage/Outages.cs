using System.Data.Common;
using System.Net.Sockets;
using Orleans.Serialization;

namespace Tasker.Storage;

/// <summary>
/// The one answer to "is this failure the infrastructure being away, not a bug?": a server (PostgreSQL, SQLite, Redis)
/// or the network unreachable, a call that timed out, a silo gone, a stale activation just dropped. Such a failure is
/// answered 503 with Retry-After at the front end, defers a long task's chunk until its reminder, and is retried by
/// start-up work; anything else is a bug (a 500, a failed task). Wrapped failures count: the whole chain of inner
/// exceptions is looked at.
/// </summary>
public static class Outages
{
    /// <summary>
    /// The start of the full type names of the drivers' exceptions, as another silo names them when Orleans could not
    /// carry the exception itself back (there is no codec for them).
    /// </summary>
    private static readonly string[] _driverTypePrefixes =
        ["Npgsql.", "Microsoft.Data.Sqlite.", "StackExchange.Redis.", "System.Net.Sockets.", "System.TimeoutException"];

    /// <summary>True when <paramref name="exception"/>, or one it wraps, says the infrastructure is away.</summary>
    public static bool IsOutage(Exception exception) => exception switch
    {
        // A call or a query that got no answer in time: the same call later may get one.
        TimeoutException => true,
        // Orleans' own failures: a silo gone, a connection lost, a message rejected or forwarded in vain, a stale
        // activation refused by its ETag (InconsistentStateException), a reminder table away, and Tasker's
        // StorageUnavailableException, which stands in for a driver's failure at the grain boundary.
        OrleansException => true,
        // A driver's own failure (see IsDriverFailure for why each counts).
        _ when IsDriverFailure(exception) => true,
        // A grain on another silo failed for one of those reasons, but Orleans could not carry that exception's type
        // back: the reply names the type instead.
        CodecNotFoundException codec => _driverTypePrefixes.Any(p => codec.Message.Contains(" " + p, StringComparison.Ordinal)),
        UnavailableExceptionFallbackException fallback =>
            _driverTypePrefixes.Any(p => fallback.ExceptionType?.StartsWith(p, StringComparison.Ordinal) == true),
        // The Redis reminder table's own exception type (its public API gives no base to match) wraps a lost connection.
        _ when exception.GetType().FullName?.StartsWith("Orleans.Reminders.Redis.", StringComparison.Ordinal) == true => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsOutage),
        _ when exception.InnerException is { } inner => IsOutage(inner),
        _ => false,
    };

    /// <summary>
    /// The storage driver's exception in <paramref name="exception"/> or among its inner exceptions (a database's, a
    /// socket's, Redis'); null when there is none. Those types have no Orleans codec, so they must not leave a grain
    /// call as they are (<see cref="StorageFailureFilter"/>).
    /// </summary>
    public static Exception? FindDriverFailure(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (IsDriverFailure(current))
            {
                return current;
            }
        }

        return null;
    }

    // Any database error, not only a transient one: Tasker's SQL is its own and tested, so one met at run time is the
    // server's state (restarting, shutting down, out of connections), which a retry later meets no more. A socket error
    // is the network; anything from the Redis client is the connection to Redis (clustering and reminders).
    private static bool IsDriverFailure(Exception exception) =>
        exception is DbException or SocketException
        || exception.GetType().Namespace?.StartsWith("StackExchange.Redis", StringComparison.Ordinal) == true;
}
