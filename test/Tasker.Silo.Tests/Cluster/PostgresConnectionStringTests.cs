using Npgsql;
using Tasker.Silo.Cluster;

namespace Tasker.Silo.Tests;

/// <summary>Npgsql's automatic preparation in cluster mode: on unless the connection string says otherwise.</summary>
public sealed class PostgresConnectionStringTests
{
    [Fact]
    public void A_connection_string_without_a_preparation_setting_gets_automatic_preparation()
    {
        var prepared = new NpgsqlConnectionStringBuilder(PostgresStorageExtensions.WithAutoPrepare("Host=db;Username=tasker"));

        Assert.Equal(20, prepared.MaxAutoPrepare);
        Assert.Equal(2, prepared.AutoPrepareMinUsages);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0")] // behind PgBouncer in transaction mode
    [InlineData("Host=db;max auto prepare=0")]
    [InlineData("Host=db;MaxAutoPrepare=0")]
    public void A_preparation_setting_in_the_connection_string_is_kept(string connectionString)
    {
        var kept = new NpgsqlConnectionStringBuilder(PostgresStorageExtensions.WithAutoPrepare(connectionString));

        Assert.Equal(0, kept.MaxAutoPrepare);
    }
}
