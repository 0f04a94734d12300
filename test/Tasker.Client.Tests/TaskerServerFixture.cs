using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;

namespace Tasker.Client.Tests;

/// <summary>
/// The real Tasker server (front end and embedded silo) in this process, on free Orleans ports, shared by the
/// client tests. Chunks are short and reminders quick so long-task tests run in seconds.
/// </summary>
public sealed class TaskerServerFixture : WebApplicationFactory<Program>
{
    /// <summary>A typed client on the in-process server.</summary>
    public TaskerClient NewClient() => new(CreateClient());

    /// <summary>A client name no other test uses.</summary>
    public static string UniqueClientName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseQuickEmbeddedSilo();
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<TaskerServerFixture>
{
    public const string Name = "server";
}
