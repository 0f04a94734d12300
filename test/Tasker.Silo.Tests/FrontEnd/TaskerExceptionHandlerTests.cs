using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Tasker.Silo.FrontEnd;

namespace Tasker.Silo.Tests;

/// <summary>How the last line of error handling classifies exceptions that reach it.</summary>
public sealed class TaskerExceptionHandlerTests
{
    /// <summary>
    /// Found by the chaos soak: with PostgreSQL down, a grain on another silo failed with an NpgsqlException that Orleans
    /// cannot serialize, so the caller received a CodecNotFoundException naming it, and answered 500 instead of 503.
    /// </summary>
    [Theory]
    [InlineData("Npgsql.NpgsqlException")]
    [InlineData("Npgsql.PostgresException")]
    [InlineData("StackExchange.Redis.RedisConnectionException")]
    public async Task A_server_outage_reported_by_another_silo_as_an_unserializable_exception_is_a_503_with_Retry_After(string type)
    {
        var (status, retryAfter) = await HandleAsync(new Orleans.Serialization.CodecNotFoundException($"Could not find a codec for type {type}."));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("5", retryAfter);
    }

    /// <summary>The drivers' own exceptions, met on this silo, with their real types.</summary>
    [Fact]
    public async Task A_server_outage_met_on_this_silo_is_a_503()
    {
        Exception[] outages =
        [
            new StackExchange.Redis.RedisConnectionException(StackExchange.Redis.ConnectionFailureType.UnableToConnect, "Redis is down"),
            new Npgsql.NpgsqlException("PostgreSQL is down", new System.Net.Sockets.SocketException(111)),
            new Orleans.Storage.InconsistentStateException("a stale activation was dropped"),
            new Orleans.Reminders.Redis.RedisRemindersException("the reminder table lost its connection to Redis"),
        ];

        foreach (var outage in outages)
        {
            Assert.Equal(StatusCodes.Status503ServiceUnavailable, (await HandleAsync(outage)).Status);
        }
    }

    [Fact]
    public async Task An_unserializable_exception_of_any_other_type_stays_a_500()
    {
        var (status, _) = await HandleAsync(new Orleans.Serialization.CodecNotFoundException("Could not find a codec for type My.Bug."));

        Assert.Equal(StatusCodes.Status500InternalServerError, status);
    }

    private static async Task<(int Status, string RetryAfter)> HandleAsync(Exception exception)
    {
        var context = new DefaultHttpContext();
        var handler = new TaskerExceptionHandler(new AcceptingProblems(), NullLogger<TaskerExceptionHandler>.Instance);
        Assert.True(await handler.TryHandleAsync(context, exception, CancellationToken.None));
        return (context.Response.StatusCode, context.Response.Headers.RetryAfter.ToString());
    }

    private sealed class AcceptingProblems : IProblemDetailsService
    {
        public ValueTask WriteAsync(ProblemDetailsContext context) => ValueTask.CompletedTask;

        public ValueTask<bool> TryWriteAsync(ProblemDetailsContext context) => ValueTask.FromResult(true);
    }
}
