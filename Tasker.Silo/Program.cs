using Microsoft.Extensions.Options;
using Tasker.Silo.Cluster;
using Tasker.Silo.Embedded;
using Tasker.Silo.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddTaskerObservability();
    builder.AddTaskerSilo();
    builder.AddTaskerFrontEnd();
    builder.AddTaskerStopDeadline();

    var app = builder.Build();
    app.UseTaskerFrontEnd();
    var boundAddresses = app.Services.GetRequiredService<BoundAddressCheck>();
    await app.RunAsync();
    boundAddresses.ThrowIfRefused();
    return 0;
}
catch (Exception exception) when (IsConfigurationMistake(exception))
{
    // A configuration mistake is the operator's to fix: say what it is, without a stack trace.
    await Console.Error.WriteLineAsync($"Tasker cannot start: {exception.Message}");
    return 2;
}

static bool IsConfigurationMistake(Exception exception) => exception switch
{
    TaskerConfigurationException or OptionsValidationException or OrleansConfigurationException or PostgresUnreachableException or SqliteFileException => true,
    InvalidOperationException when exception.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => true,
    _ => false,
};

/// <summary>The entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;
