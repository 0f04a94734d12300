using System.Data.Common;
using Orleans.Runtime.Messaging;
using Orleans.Serialization;
using Orleans.Storage;
using Tasker.Storage;

namespace Tasker.Grains.Tests.Storage;

/// <summary>
/// Which failures say the infrastructure is away (a 503 at the front end, a deferred chunk, a retried start-up step)
/// and which are bugs; and which are a storage driver's own, translated at the grain boundary.
/// </summary>
public sealed class OutagesTests
{
    public static TheoryData<Exception> Away() =>
    [
        new TimeoutException("storage did not answer"),
        new StorageUnavailableException("PostgreSQL is down"),
        new InconsistentStateException("a stale activation was refused by its ETag"),
        new System.Net.Sockets.SocketException(111),
        new ConnectionFailedException("the silo holding the child went away"),
        new SiloUnavailableException("silo dead"),
        new ReminderException("the reminder table is away"),
        new DriverFailure(),
        new InvalidOperationException("wrapped", new ConnectionFailedException("inner")),
        new OrleansException("write failed", new InvalidOperationException("inner", new DriverFailure())),
        new AggregateException(new ArgumentException("a bug"), new TimeoutException("and a timeout")),
        new CodecNotFoundException("Could not find a codec for type Npgsql.NpgsqlException."),
        new CodecNotFoundException("Could not find a codec for type StackExchange.Redis.RedisConnectionException."),
        new CodecNotFoundException("Could not find a codec for type Microsoft.Data.Sqlite.SqliteException."),
        new CodecNotFoundException("Could not find a codec for type System.Net.Sockets.SocketException."),
    ];

    public static TheoryData<Exception> Bugs() =>
    [
        new InvalidOperationException("a bug"),
        new ArgumentException("bad parameters"),
        new FormatException("bad data"),
        new OperationCanceledException("cancelled by its caller"),
        new AggregateException(new ArgumentException("a bug"), new FormatException("another")),
        new CodecNotFoundException("Could not find a codec for type My.Bug."),
    ];

    [Theory]
    [MemberData(nameof(Away))]
    public void A_server_silo_or_network_away_is_an_outage(Exception failure) => Assert.True(Outages.IsOutage(failure));

    [Theory]
    [MemberData(nameof(Bugs))]
    public void Any_other_failure_is_not(Exception failure) => Assert.False(Outages.IsOutage(failure));

    [Fact]
    public void A_drivers_failure_is_found_inside_wrapping_exceptions_and_other_failures_are_left_alone()
    {
        var wrapped = new OrleansException("write failed", new InvalidOperationException("inner", new DriverFailure()));

        Assert.IsType<DriverFailure>(Outages.FindDriverFailure(wrapped));
        Assert.IsType<System.Net.Sockets.SocketException>(Outages.FindDriverFailure(new System.Net.Sockets.SocketException(111)));
        Assert.Null(Outages.FindDriverFailure(new InconsistentStateException("stale")));
        Assert.Null(Outages.FindDriverFailure(new TimeoutException("a timeout has a codec")));
        Assert.Null(Outages.FindDriverFailure(new ArgumentException("bad")));
    }

    /// <summary>What a database driver throws when its server is gone; its type has no Orleans codec.</summary>
    private sealed class DriverFailure() : DbException("connection refused");
}
