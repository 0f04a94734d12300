using Orleans.Runtime.Messaging;
using Orleans.Storage;
using Tasker.Tasks;

namespace Tasker.Grains.Tests.Tasks;

/// <summary>Which failures of a chunk defer it (a server or silo away for a moment) and which fail the task.</summary>
public sealed class PassingFailuresTests
{
    public static TheoryData<Exception> Passing() =>
    [
        new TimeoutException("storage did not answer"),
        new StorageUnavailableException("PostgreSQL is down"),
        new System.Net.Sockets.SocketException(111),
        new ConnectionFailedException("the silo holding the child went away"),
        new SiloUnavailableException("silo dead"),
        new InvalidOperationException("wrapped", new ConnectionFailedException("inner")),
    ];

    public static TheoryData<Exception> Failing() =>
    [
        new InvalidOperationException("a bug"),
        new ArgumentException("bad parameters"),
        new FormatException("bad data"),
    ];

    [Theory]
    [MemberData(nameof(Passing))]
    public void A_server_or_silo_away_for_a_moment_defers_the_chunk(Exception failure) => Assert.True(PassingFailures.Is(failure));

    [Theory]
    [MemberData(nameof(Failing))]
    public void Any_other_failure_fails_the_task(Exception failure) => Assert.False(PassingFailures.Is(failure));
}
