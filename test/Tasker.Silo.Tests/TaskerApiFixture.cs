using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tasker.Testing;

namespace Tasker.Silo.Tests;

/// <summary>
/// The real front end and an embedded silo in this process, on free ports, shared by the HTTP tests.
/// Chunks are short and reminders quick so long-task tests run in seconds.
/// </summary>
public sealed class TaskerApiFixture : WebApplicationFactory<Program>
{
    public const long MaxBodyBytes = 64 * 1024;

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseQuickEmbeddedSilo()
            .UseSetting("Tasker:Http:MaxRequestBodyBytes", MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<TaskerApiFixture>
{
    public const string Name = "api";
}
